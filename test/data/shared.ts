// The whole datasets beside the repository: only the opt-in suite (`npm run test:data`) reads them,
// so this path lives here and not in the default suite's helpers.
import { join } from 'node:path';
import { repoRoot } from '../helpers.js';

export const sharedDatasets = join(repoRoot, '../shared/datasets');
