"""The usual Python ways to get correlation matrices: Pearson by np.corrcoef (BLAS), Spearman by
scipy.stats.rankdata per column then np.corrcoef, Kendall (tau-b) by pandas DataFrame.corr. pandas'
Kendall loops over pairs in Python and would take about an hour here, so it is timed on the first
KENDALL_COLS columns and extrapolated per pair. Saves the matrices for the agreement checks."""
import sys
import time

import numpy as np
import pandas as pd
from scipy.stats import rankdata

from common import M, N, emit, load, log, save, timeit

KENDALL_COLS = int(sys.argv[1]) if len(sys.argv) > 1 else 20

X = load()
np.seterr(invalid='ignore')  # constant columns give NaN, as in metricsift
out = {'suite': 'corr-peers', 'M': M, 'n': N}
res = {}
t = timeit(lambda: res.setdefault('pearson', np.corrcoef(X)), 5)
out['pearson'] = {'time': t, 'matrix': save('corr-pearson-numpy', res['pearson'])}
t = timeit(lambda: res.setdefault('spearman', np.corrcoef(rankdata(X, axis=1))), 3)
out['spearman'] = {'time': t, 'matrix': save('corr-spearman-scipy', res['spearman'])}
df = pd.DataFrame(X[:KENDALL_COLS].T)
c0 = time.process_time()  # CPU time too (pandas' Kendall is one thread): a shared machine inflates wall time far more
t = timeit(lambda: res.setdefault('kendall', df.corr(method='kendall').to_numpy()), 1, warmup=False)
cpu = time.process_time() - c0
pairs, all_pairs = KENDALL_COLS * (KENDALL_COLS - 1) // 2, M * (M - 1) // 2
per_pair = t['median'] / pairs
total = per_pair * all_pairs
out['kendall'] = {'time': {'median': total, 'min': total, 'times': [total]}, 'extrapolated': True, 'sampledColumns': KENDALL_COLS,
                  'sampledPairs': pairs, 'perPairSeconds': per_pair, 'cpuSeconds': cpu / pairs * all_pairs,
                  'matrix': save('corr-kendall-pandas', res['kendall'])}
for k in ('pearson', 'spearman', 'kendall'):
    log(f'{k}: {out[k]["time"]["median"]:.3f} s' + (' (extrapolated)' if k == 'kendall' else ''))
emit(out)
