"""The fastest all-pairs binned MI we could write with numpy, two ways (both timed, the faster is
"numpy" in the report):

- bincount: per column i, the joint codes codes_i*K + codes_j of every j > i, offset by j*K*K,
  counted by one np.bincount: all of row i's joint histograms in one call (single-threaded).
- gram: the one-hot matrix O (n x M*K, float32) and G = O^T O by BLAS ssyrk (upper triangle only,
  faster than sgemm here): block (i, j) of G is the joint histogram of columns i and j (integer
  counts, exact in float32 below 2^24). BLAS uses all cores.

MI(i,j) = (sum c log c - sum a log a - sum b log b + n log n) / n, with a, b the marginal counts;
the diagonal holds H(X) as in metricsift. Times include the binning."""
import numpy as np
from scipy.linalg.blas import ssyrk

from common import M, N, K, codes_of, emit, load, log, save, timeit


def xlogx(c):
    c = np.asarray(c, dtype=np.float64)
    return c * np.log(np.where(c > 0, c, 1))


def finish(joint_xlogx, marg_xlogx, n):
    """MI matrix from sum(c log c) of each pair's joint histogram and of each column's marginal."""
    mi = (joint_xlogx - marg_xlogx[:, None] - marg_xlogx[None, :] + n * np.log(n)) / n
    np.fill_diagonal(mi, (n * np.log(n) - marg_xlogx) / n)
    return mi


def marginals(codes):
    return np.array([xlogx(np.bincount(c, minlength=K)).sum() for c in codes])


def mi_bincount(X):
    codes = codes_of(X, K)
    m, n = codes.shape
    # Column j's codes offset by j*K*K once, so row i needs one add and one bincount.
    offset = codes + (np.arange(m) * K * K)[:, None]
    jx = np.zeros((m, m))
    for i in range(m - 1):
        counts = np.bincount((offset[i + 1:] + codes[i] * K).ravel(), minlength=m * K * K)
        jx[i, i + 1:] = xlogx(counts[(i + 1) * K * K:].reshape(m - i - 1, K * K)).sum(1)
    jx += jx.T
    return finish(jx, marginals(codes), n)


def mi_gram(X):
    codes = codes_of(X, K)
    m, n = codes.shape
    onehot = np.zeros((n, m * K), dtype=np.float32)
    onehot[np.arange(n)[:, None], codes.T + np.arange(m) * K] = 1
    # onehot.T is a Fortran-ordered (M*K x n) view: ssyrk reads it without a copy.
    g = ssyrk(1.0, onehot.T).reshape(m, K, m, K)
    jx = np.triu(xlogx(g).sum(axis=(1, 3)), 1)
    jx += jx.T
    return finish(jx, marginals(codes), n)


X = load()
res = {}
for name, fn in [('bincount', mi_bincount), ('gram', mi_gram)]:
    out = {}
    t = timeit(lambda: out.setdefault('mi', fn(X)), 3)
    log(f'numpy {name}: median {t["median"]:.3f} s')
    res[name] = {'time': t, 'matrix': save(f'mi-numpy-{name}', out['mi'])}
best = min(res, key=lambda k: res[k]['time']['median'])
emit({'suite': 'mi-numpy', 'M': M, 'n': N, 'bins': K, 'best': best, 'time': res[best]['time'], **res})
