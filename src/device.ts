/**
 * Where the pair-count phase of the binned all-pairs calls runs: the CPU kernels, the CUDA backend
 * (native/cuda, loaded by the addon only when asked for) or gpu.js (an optional dependency, for
 * machines with a GPU but no CUDA). Counts are exact integers on every device and every value is
 * finalised by the CPU's code, so the results are byte-identical whichever device ran.
 */
import { createRequire } from 'node:module';
import { ErrorCode, MetricsiftError, badOption } from './errors.js';
import { binding } from './native.js';

/** A device for the pair counts: `auto` takes CUDA, then gpu.js on a real GPU, then the CPU. */
export type Device = 'cpu' | 'cuda' | 'gpujs' | 'auto';
export const DEVICES: readonly Device[] = ['cpu', 'cuda', 'gpujs', 'auto'];

/** Which device a call used, and why (attached to results as `device`). */
export interface DeviceReport {
  requested: Device;
  used: 'cpu' | 'cuda' | 'gpujs';
  /** e.g. "NVIDIA H200, int8 tensor-core counts" or "gpu.js 2.24.1 in its cpu mode". */
  detail: string;
  /** Set when the device asked for could not run this call and another did (the reason). */
  note?: string;
}

/** Whether the CUDA backend can run here, and if not, what is missing. */
export function cudaStatus(): { available: boolean; reason?: string; name?: string } {
  const s = binding.deviceInfo().cuda;
  return { available: s.available, reason: s.reason, name: s.name };
}

/** A loaded gpu.js: its constructor and the mode a GPU object picks here. */
export interface GpuJs {
  GPU: new (settings?: { mode?: string }) => GpuInstance;
  version: string;
  /** 'headlessgl' on a GPU (or Mesa's software renderer), else 'cpu'. */
  mode: string;
  /** headless-gl runs on a hardware GPU (not llvmpipe/softpipe/SwiftShader). */
  hardware: boolean;
  renderer: string;
}
export interface GpuInstance {
  mode: string;
  createKernel(fn: (...args: never[]) => number, settings: Record<string, unknown>): GpuKernel;
  destroy(): void | Promise<void>;
}
export type GpuKernel = ((...args: unknown[]) => unknown) & { destroy?: () => void };

let gpuJsCache: GpuJs | null | undefined;
let gpuJsWhy = '';

/** gpu.js if it is installed (null otherwise, with the reason in {@link gpuJsMissing}). */
export function loadGpuJs(): GpuJs | null {
  if (gpuJsCache !== undefined) return gpuJsCache;
  const require = createRequire(import.meta.url);
  try {
    const mod = require('gpu.js') as { GPU: GpuJs['GPU'] & { isHeadlessGLSupported?: boolean } };
    const version = (require('gpu.js/package.json') as { version: string }).version;
    let renderer = '';
    if (mod.GPU.isHeadlessGLSupported) {
      try {
        const gl = require('gl') as (w: number, h: number) => { getParameter(p: number): string; RENDERER: number } | null;
        const ctx = gl(1, 1);
        renderer = ctx ? String(ctx.getParameter(ctx.RENDERER)) : '';
      } catch {
        renderer = '';
      }
    }
    const probe = new mod.GPU();
    const mode = probe.mode;
    void probe.destroy();
    gpuJsCache = { GPU: mod.GPU, version, mode, renderer, hardware: mode !== 'cpu' && renderer !== '' && !/llvmpipe|softpipe|swiftshader/i.test(renderer) };
  } catch (e) {
    gpuJsWhy = `gpu.js is not installed or failed to load (${(e as Error).message.split('\n')[0]}); install it with: npm install gpu.js`;
    gpuJsCache = null;
  }
  return gpuJsCache;
}

/** Why gpu.js could not be loaded ('' when it was). */
export function gpuJsMissing(): string {
  loadGpuJs();
  return gpuJsWhy;
}

/** Checks a `device` option (MS_BAD_OPTION listing the choices). */
export function checkDevice(v: unknown): Device | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !(DEVICES as readonly string[]).includes(v)) badOption('device', `one of ${DEVICES.join(', ')}`, v);
  return v as Device;
}

/**
 * The device a binned all-pairs call runs on. `cuda` without a usable backend is MS_NO_DEVICE
 * naming what is missing; `gpujs` without gpu.js falls back to the CPU with a note; `auto` takes
 * CUDA, then gpu.js on a hardware GPU, then the CPU.
 */
export function resolveDevice(requested: Device | undefined): DeviceReport {
  const req = requested ?? 'cpu';
  if (req === 'cpu') return { requested: req, used: 'cpu', detail: 'CPU kernels' };
  const cuda = req === 'cuda' || req === 'auto' ? cudaStatus() : { available: false };
  if (req === 'cuda') {
    if (!cuda.available) throw new MetricsiftError(`device 'cuda' is not available: ${cuda.reason}`, ErrorCode.NO_DEVICE);
    return { requested: req, used: 'cuda', detail: cuda.name ?? 'CUDA' };
  }
  if (req === 'auto' && cuda.available) return { requested: req, used: 'cuda', detail: cuda.name ?? 'CUDA' };
  const g = loadGpuJs();
  if (req === 'gpujs') {
    if (!g) return { requested: req, used: 'cpu', detail: 'CPU kernels', note: gpuJsMissing() };
    return { requested: req, used: 'gpujs', detail: gpuJsDetail(g) };
  }
  if (g?.hardware) return { requested: req, used: 'gpujs', detail: gpuJsDetail(g) };
  const why = [cuda.available ? '' : `no CUDA (${(cuda as { reason?: string }).reason})`, g ? `gpu.js has no hardware GPU (mode ${g.mode}${g.renderer ? `, ${g.renderer}` : ''})` : 'no gpu.js'];
  return { requested: req, used: 'cpu', detail: 'CPU kernels', note: why.filter(Boolean).join('; ') };
}

function gpuJsDetail(g: GpuJs): string {
  return `gpu.js ${g.version} in its ${g.mode} mode${g.renderer ? ` (${g.renderer})` : ''}`;
}
