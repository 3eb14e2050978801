/**
 * `metricsift completion bash|zsh`: a completion script generated from the command tree itself,
 * so it never disagrees with the options (commands, flags, the values of choice flags, files).
 */
import { Argument, Command, type Option } from 'commander';
import { runCommand } from './common.js';

interface Spec {
  name: string;
  description: string;
  options: { flags: string[]; description: string; choices?: readonly string[]; takesValue: boolean }[];
}

function specs(program: Command): Spec[] {
  return program.commands
    .filter((c) => c.name() !== 'completion')
    .map((c) => ({
      name: c.name(),
      description: c.description(),
      options: [...c.options, { long: '--help', short: '-h', description: 'display help', argChoices: undefined, required: false, optional: false } as unknown as Option]
        .map((o) => ({
          flags: [o.long, o.short].filter((f): f is string => !!f),
          description: o.description,
          choices: o.argChoices,
          takesValue: o.required || o.optional,
        })),
    }));
}

const shq = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;

function bash(program: Command): string {
  const cmds = specs(program);
  const lines = [
    '# bash completion for metricsift: eval "$(metricsift completion bash)" (e.g. in ~/.bashrc)',
    '_metricsift() {',
    '  local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}" cmd="${COMP_WORDS[1]}"',
    '  COMPREPLY=()',
    '  if [ "$COMP_CWORD" -eq 1 ]; then',
    `    COMPREPLY=( $(compgen -W ${shq(['completion', ...cmds.map((c) => c.name), '--help', '--version'].join(' '))} -- "$cur") )`,
    '    return',
    '  fi',
    '  case "$cmd $prev" in',
  ];
  for (const c of cmds) {
    for (const o of c.options.filter((x) => x.choices)) lines.push(`    ${o.flags.map((f) => shq(`${c.name} ${f}`)).join('|')}) COMPREPLY=( $(compgen -W ${shq(o.choices!.join(' '))} -- "$cur") ); return ;;`);
  }
  lines.push(`    'completion '*) COMPREPLY=( $(compgen -W 'bash zsh' -- "$cur") ); return ;;`);
  lines.push('  esac', '  local opts=', '  case "$cmd" in');
  for (const c of cmds) lines.push(`    ${c.name}) opts=${shq(c.options.flatMap((o) => o.flags).join(' '))} ;;`);
  lines.push(
    '  esac',
    '  if [[ "$cur" == -* ]]; then',
    '    COMPREPLY=( $(compgen -W "$opts" -- "$cur") )',
    '  else',
    '    COMPREPLY=( $(compgen -f -- "$cur") )',
    '  fi',
    '}',
    'complete -o filenames -o bashdefault -F _metricsift metricsift',
    '',
  );
  return lines.join('\n');
}

const zq = (s: string) => s.replaceAll('\\', '\\\\').replaceAll("'", "'\\''").replaceAll(':', '\\:').replaceAll('[', '\\[').replaceAll(']', '\\]');

function zsh(program: Command): string {
  const cmds = specs(program);
  const lines = [
    '#compdef metricsift',
    '# zsh completion for metricsift: eval "$(metricsift completion zsh)" (after compinit), or save as _metricsift in $fpath',
    '_metricsift() {',
    '  local -a commands',
    '  commands=(',
    ...cmds.map((c) => `    '${zq(c.name)}:${zq(c.description)}'`),
    "    'completion:print a shell completion script'",
    '  )',
    '  if (( CURRENT == 2 )); then',
    "    _describe 'command' commands",
    '    return',
    '  fi',
    '  case "${words[2]}" in',
  ];
  for (const c of cmds) {
    const args = c.options.map((o) => {
      const names = o.flags.length > 1 ? `(${o.flags.join(' ')})'{${o.flags.join(',')}}'` : o.flags[0];
      const value = !o.takesValue ? '' : o.choices ? `:value:(${o.choices.join(' ')})` : ':value:_files';
      return `'${names}[${zq(o.description)}]${value}'`;
    });
    lines.push(`    ${c.name}) _arguments -s ${args.join(' ')} '*:input:_files' ;;`);
  }
  lines.push("    completion) _arguments '1:shell:(bash zsh)' ;;", '  esac', '}', 'if [ "$funcstack[1]" = "_metricsift" ]; then _metricsift "$@"; else compdef _metricsift metricsift; fi', '');
  return lines.join('\n');
}

export function completionCommand(program: Command): Command {
  return new Command('completion')
    .description('print a shell completion script (bash or zsh)')
    .addArgument(new Argument('<shell>', 'the shell').choices(['bash', 'zsh']))
    .addHelpText('after', '\nUse:\n  eval "$(metricsift completion bash)"   # in ~/.bashrc\n  eval "$(metricsift completion zsh)"    # in ~/.zshrc, after compinit')
    .action((shell: 'bash' | 'zsh') => runCommand(false, async () => {
      process.stdout.write(shell === 'bash' ? bash(program) : zsh(program));
    }));
}
