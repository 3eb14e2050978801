"""What the Python peers share: reading the bench data (written by bench/data.ts), the binning
contract metricsift uses, timing, and the protocol with run.ts (progress on stderr, one JSON
object on stdout, matrices as files in bench/.data/out/).

Run as a script it prints the versions run.ts records with the results."""
import json
import os
import platform
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
DATA_DIR = os.path.join(HERE, '..', '.data')
OUT_DIR = os.path.join(DATA_DIR, 'out')
M, N, K = 253, 28800, 16  # the size and bin count


def load(m=M, n=N):
    """The (m, n) data set: row j is column j. Generate it first with bench/data.ts (run.ts does)."""
    base = os.path.join(DATA_DIR, f'{m}x{n}')
    with open(base + '.json') as f:
        header = json.load(f)
    assert header['M'] == m and header['n'] == n and header['order'] == 'column-major'
    return np.fromfile(base + '.f64', dtype='<f8').reshape(m, n)


def quantile_codes(x, k=K, s=None):
    """metricsift's quantile rule: cuts s[floor(q*n/k)], q = 1..k-1, of the sorted values s, code =
    number of cuts <= x; a column with at most k distinct values keeps one code per value."""
    s = np.sort(x) if s is None else s
    distinct = s[np.r_[True, s[1:] != s[:-1]]]
    if len(distinct) <= k:
        return np.searchsorted(distinct, x)
    cuts = s[(np.arange(1, k) * len(s)) // k]
    return np.searchsorted(cuts, x, side='right')


def codes_of(X, k=K):
    S = np.sort(X, axis=1)
    return np.stack([quantile_codes(x, k, s) for x, s in zip(X, S)]).astype(np.int64)


def timeit(fn, reps, warmup=True):
    """Seconds of each of `reps` runs of fn (after one untimed run), their median and minimum."""
    if warmup:
        fn()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    s = sorted(times)
    return {'times': times, 'median': s[len(s) // 2], 'min': s[0]}


def log(msg):
    print('  ' + msg, file=sys.stderr, flush=True)


def emit(result):
    print(json.dumps(result), flush=True)


def save(name, a):
    os.makedirs(OUT_DIR, exist_ok=True)
    path = os.path.join(OUT_DIR, name + '.f64')
    np.ascontiguousarray(a, dtype='<f8').tofile(path)
    return os.path.relpath(path, os.path.join(HERE, '..', '..'))  # repo-relative: results are committed


def versions():
    import pandas, scipy, sklearn
    from threadpoolctl import threadpool_info
    blas = [f"{p['internal_api']} {p['version']} ({p['num_threads']} threads)" for p in threadpool_info() if p['user_api'] == 'blas']
    return {'python': platform.python_version(), 'numpy': np.__version__, 'scipy': scipy.__version__,
            'sklearn': sklearn.__version__, 'pandas': pandas.__version__, 'blas': ', '.join(blas)}


if __name__ == '__main__':
    emit(versions())
