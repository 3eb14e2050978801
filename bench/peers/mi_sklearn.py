"""scikit-learn's mutual_info_score in a loop over pairs, as people write it. A full run over all
31,878 pairs takes minutes, so a fixed random sample of pairs is timed and the per-pair time
extrapolated to all pairs (plus the binning, timed in full). Saves the sampled values for the
agreement check."""
import sys
import time

import numpy as np
from sklearn.metrics import mutual_info_score

from common import M, N, K, codes_of, emit, load, log, save

SAMPLE = int(sys.argv[1]) if len(sys.argv) > 1 else 1500

X = load()
t0 = time.perf_counter()
codes = codes_of(X, K)
t_bin = time.perf_counter() - t0

iu, ju = np.triu_indices(M, 1)
pick = np.sort(np.random.default_rng(0).choice(len(iu), SAMPLE, replace=False))
out = np.empty((SAMPLE, 3))
mutual_info_score(codes[0], codes[1])  # warm-up
t0 = time.perf_counter()
for r, p in enumerate(pick):
    out[r] = iu[p], ju[p], mutual_info_score(codes[iu[p]], codes[ju[p]])
t_loop = time.perf_counter() - t0
per_pair = t_loop / SAMPLE
total = t_bin + per_pair * len(iu)
log(f'sklearn: {per_pair * 1e3:.2f} ms a pair, {total:.1f} s extrapolated to {len(iu)} pairs')
emit({'suite': 'mi-sklearn', 'M': M, 'n': N, 'bins': K, 'pairs': int(len(iu)), 'sampledPairs': SAMPLE,
      'binningSeconds': t_bin, 'perPairSeconds': per_pair, 'extrapolated': True,
      'time': {'median': total, 'min': total, 'times': [total]}, 'sample': save('mi-sklearn-sample', out)})
