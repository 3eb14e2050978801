#!/usr/bin/python3
"""Generate golden reference values for metricsift's native estimators.

Run from the repository root:

    /usr/bin/python3 test/golden/make-golden.py

Writes test/golden/binned.json and test/golden/correlation.json.
See test/golden/README.md for the layout of both files.

The discretiser below is an independent numpy implementation of the binning
contract that the C++ code follows (distinct-value rule, uniform, quantile);
MI / NMI come from scikit-learn, entropies and correlations from scipy.
"""

import json
import math
import os
import platform
import sys

import numpy as np
import pandas as pd
import scipy
import scipy.stats
import sklearn
from sklearn.metrics import mutual_info_score, normalized_mutual_info_score

COMMAND = "/usr/bin/python3 test/golden/make-golden.py"
SOURCE = "examples/trainticket/metrics.csv.gz"
OUT_DIR = "test/golden"

N_COLUMNS = 60          # first 60 metric columns (after `time`)
N_ALL_PAIRS_PREFIX = 12  # all pairs i<j among the first 12 columns
N_RANDOM_PAIRS = 40     # plus 40 distinct random pairs from default_rng(7)
PAIR_SEED = 7
SYNTH_SEED = 11

# "missing_subset": the first 60 columns contain no missing values at all, so
# pairwise exclusion is exercised on a second real subset: the first 12 metric
# columns (file order) with at least one missing value, plus the first metric
# column that is missing on every row.
N_MISSING_COLUMNS = 12

CASES = [("quantile", 16), ("uniform", 16), ("quantile", 4), ("uniform", 8)]
NMI_METHODS = ["arithmetic", "geometric", "min", "max"]
N_CODE_COLUMNS = 3      # codes of the first 3 columns are stored per case

TOL = 1e-12


# --------------------------------------------------------------------------
# data
# --------------------------------------------------------------------------

def load_frame():
    # round_trip: pandas' default parser can be 1 ulp off, which reorders near-tied values.
    df = pd.read_csv(SOURCE, na_values=["NaN", ""], keep_default_na=True, float_precision="round_trip")
    assert df.columns[0] == "time", df.columns[0]
    metrics = df.iloc[:, 1:].astype("float64")
    return metrics


def choose_pairs(n_cols):
    pairs = []
    seen = set()
    for i in range(N_ALL_PAIRS_PREFIX):
        for j in range(i + 1, N_ALL_PAIRS_PREFIX):
            pairs.append((i, j))
            seen.add((i, j))
    rng = np.random.default_rng(PAIR_SEED)
    added = 0
    # Draw (a, b) with rng.integers(0, n_cols, size=2); reject a == b; store
    # (min, max); skip pairs already present; stop after 40 new pairs.
    while added < N_RANDOM_PAIRS:
        a, b = (int(v) for v in rng.integers(0, n_cols, size=2))
        if a == b:
            continue
        p = (min(a, b), max(a, b))
        if p in seen:
            continue
        seen.add(p)
        pairs.append(p)
        added += 1
    return pairs


def all_pairs(n_cols):
    return [(i, j) for i in range(n_cols) for j in range(i + 1, n_cols)]


# --------------------------------------------------------------------------
# discretiser (the contract)
# --------------------------------------------------------------------------

def discretise(x, binning, k):
    """Return (codes, kind) with codes int64, -1 where x is NaN.

    kind is "discrete" (distinct-value rule), "binned" or "empty".
    """
    x = np.asarray(x, dtype=np.float64)
    codes = np.full(x.shape[0], -1, dtype=np.int64)
    present = ~np.isnan(x)
    v = x[present]
    n = v.shape[0]
    if n == 0:
        return codes, "empty"
    distinct = np.unique(v)  # sorted
    if distinct.shape[0] <= k:
        # index of each value in the sorted distinct values
        codes[present] = np.searchsorted(distinct, v, side="left")
        assert np.all(distinct[codes[present]] == v)
        return codes, "discrete"
    if binning == "uniform":
        mn = float(v.min())
        mx = float(v.max())
        w = (mx - mn) / k
        out = np.empty(n, dtype=np.int64)
        for idx in range(n):
            c = math.floor((float(v[idx]) - mn) / w)
            out[idx] = min(k - 1, c)
        codes[present] = out
    elif binning == "quantile":
        s = np.sort(v)
        edges = np.array([s[(q * n) // k] for q in range(1, k)], dtype=np.float64)
        if edges[-1] <= s[0]:
            # every cut at the minimum would put every row in the top bin (entropy 0 for a column
            # of many values): the cuts move to the next value above the minimum
            edges[:] = s[s > s[0]].min()
        out = np.empty(n, dtype=np.int64)
        for idx in range(n):
            # number of edges <= x
            out[idx] = sum(1 for e in edges if e <= v[idx])
        assert np.array_equal(out, np.searchsorted(edges, v, side="right"))
        codes[present] = out
    else:
        raise ValueError(binning)
    assert codes[present].min() >= 0 and codes[present].max() <= k - 1
    return codes, "binned"


def count_entropy(codes):
    counts = np.bincount(codes)
    return float(scipy.stats.entropy(counts))


def joint_entropy(cx, cy):
    width = int(cy.max()) + 1
    counts = np.bincount(cx * width + cy)
    return float(scipy.stats.entropy(counts))


# --------------------------------------------------------------------------
# binned golden values
# --------------------------------------------------------------------------

def binned_cases(matrix, pairs):
    n_cols = matrix.shape[1]
    cases = []
    stats = {}
    for binning, k in CASES:
        codes = []
        kinds = []
        for c in range(n_cols):
            cc, kind = discretise(matrix[:, c], binning, k)
            codes.append(cc)
            kinds.append(kind)

        entropy = []
        for c in range(n_cols):
            cc = codes[c][codes[c] >= 0]
            if cc.shape[0] == 0:
                continue  # column missing on every row: omitted
            entropy.append({"column": c, "nats": count_entropy(cc),
                            "rows_used": int(cc.shape[0])})

        out_pairs = []
        skipped = []
        for i, j in pairs:
            rows = (codes[i] >= 0) & (codes[j] >= 0)
            n = int(rows.sum())
            if n < 2:
                skipped.append([i, j])
                continue
            cx = codes[i][rows]
            cy = codes[j][rows]
            mi = float(mutual_info_score(cx, cy))
            hx = count_entropy(cx)
            hy = count_entropy(cy)
            hxy = joint_entropy(cx, cy)
            nmi = {m: float(normalized_mutual_info_score(cx, cy, average_method=m))
                   for m in NMI_METHODS}
            # sanity checks
            assert mi >= 0.0
            assert mi <= min(hx, hy) + TOL, (i, j, mi, hx, hy)
            assert abs(mi - (hx + hy - hxy)) <= 1e-10, (i, j, mi, hx + hy - hxy)
            assert hxy + TOL >= max(hx, hy)
            for m, val in nmi.items():
                assert -TOL <= val <= 1.0 + TOL, (i, j, m, val)
            out_pairs.append({"i": i, "j": j, "mi_nats": mi, "h_x": hx, "h_y": hy,
                              "h_xy": hxy, "rows_used": n, "nmi": nmi})

        case = {
            "binning": binning,
            "bins": k,
            "column_kind": kinds,
            "codes": [{"column": c, "codes": codes[c].tolist()}
                      for c in range(min(N_CODE_COLUMNS, n_cols))],
            "entropy": entropy,
            "pairs": out_pairs,
            "skipped_pairs": skipped,
        }
        cases.append(case)
        stats[(binning, k)] = {
            "discrete": kinds.count("discrete"),
            "binned": kinds.count("binned"),
            "empty": kinds.count("empty"),
            "pairs": len(out_pairs),
            "skipped": len(skipped),
        }
    return cases, stats


def uniform_boundary_report(matrix):
    """Count values whose uniform code differs between (x-mn)/w and
    (x-mn)*k/(mx-mn) -- i.e. where an implementation that does not follow the
    contract literally would disagree."""
    diffs = 0
    for binning, k in CASES:
        if binning != "uniform":
            continue
        for c in range(matrix.shape[1]):
            v = matrix[:, c]
            v = v[~np.isnan(v)]
            if v.shape[0] == 0 or np.unique(v).shape[0] <= k:
                continue
            mn, mx = float(v.min()), float(v.max())
            w = (mx - mn) / k
            a = np.minimum(k - 1, np.floor((v - mn) / w))
            b = np.minimum(k - 1, np.floor((v - mn) * k / (mx - mn)))
            diffs += int((a != b).sum())
    return diffs


# --------------------------------------------------------------------------
# correlation golden values
# --------------------------------------------------------------------------

def correlation_pairs(matrix, pairs):
    defined = []
    undefined = []
    for i, j in pairs:
        x = matrix[:, i]
        y = matrix[:, j]
        rows = ~np.isnan(x) & ~np.isnan(y)
        n = int(rows.sum())
        if n < 3:
            undefined.append({"i": i, "j": j, "rows_used": n, "reason": "too_few_rows"})
            continue
        xs = x[rows]
        ys = y[rows]
        cx = bool(np.all(xs == xs[0]))
        cy = bool(np.all(ys == ys[0]))
        if cx or cy:
            reason = "constant_both" if (cx and cy) else ("constant_x" if cx else "constant_y")
            undefined.append({"i": i, "j": j, "rows_used": n, "reason": reason})
            continue
        pearson = float(scipy.stats.pearsonr(xs, ys)[0])
        spearman = float(scipy.stats.spearmanr(xs, ys)[0])
        kendall = float(scipy.stats.kendalltau(xs, ys, variant="b")[0])
        for val in (pearson, spearman, kendall):
            assert math.isfinite(val) and -1.0 - TOL <= val <= 1.0 + TOL, (i, j, val)
        defined.append({"i": i, "j": j, "rows_used": n, "pearson": pearson,
                        "spearman": spearman, "kendall_b": kendall})
    return defined, undefined


def synthetic_ties():
    rng = np.random.default_rng(SYNTH_SEED)
    n = 500
    base = rng.integers(0, 6, size=n)
    c0 = base.astype(np.float64)
    c1 = np.clip(base + rng.integers(-1, 2, size=n), 0, 5).astype(np.float64)
    c2 = np.clip(5 - base + rng.integers(-2, 3, size=n), 0, 5).astype(np.float64)
    c3 = rng.integers(0, 6, size=n).astype(np.float64)
    c4 = np.where(base >= 3, 5, 0).astype(np.float64)
    flip = rng.random(n) < 0.2
    c4[flip] = rng.integers(0, 6, size=int(flip.sum()))
    data = np.column_stack([c0, c1, c2, c3, c4])
    # a few NaNs per column (about 3%)
    for c in range(data.shape[1]):
        miss = rng.choice(n, size=15, replace=False)
        data[miss, c] = np.nan
    return data


def to_json_column(col):
    return [None if math.isnan(v) else float(v) for v in col]


# --------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------

def main():
    if not os.path.exists(SOURCE):
        sys.exit("run from the repository root: " + COMMAND)

    metrics = load_frame()
    names = list(metrics.columns[:N_COLUMNS])
    matrix = metrics.iloc[:, :N_COLUMNS].to_numpy(dtype=np.float64)
    pairs = choose_pairs(N_COLUMNS)

    miss_counts = metrics.isna().sum().to_numpy()
    with_missing = [c for c in range(metrics.shape[1]) if miss_counts[c] > 0]
    all_missing = [c for c in range(metrics.shape[1]) if miss_counts[c] == metrics.shape[0]]
    miss_idx = with_missing[:N_MISSING_COLUMNS]
    if all_missing and all_missing[0] not in miss_idx:
        miss_idx.append(all_missing[0])
    miss_names = [metrics.columns[c] for c in miss_idx]
    miss_matrix = metrics.iloc[:, miss_idx].to_numpy(dtype=np.float64)
    miss_pairs = all_pairs(len(miss_idx))

    generator = {
        "command": COMMAND,
        "python": platform.python_version(),
        "sklearn": sklearn.__version__,
        "scipy": scipy.__version__,
        "numpy": np.__version__,
        "pandas": pd.__version__,
    }

    # ---- binned.json
    cases, stats = binned_cases(matrix, pairs)
    m_cases, m_stats = binned_cases(miss_matrix, miss_pairs)
    binned = {
        "generator": generator,
        "source": SOURCE,
        "rows": int(matrix.shape[0]),
        "columns": names,
        "pairs": [[i, j] for i, j in pairs],
        "cases": cases,
        "missing_subset": {
            "source_column_index": miss_idx,  # 0-based among metric columns (after time)
            "columns": miss_names,
            "pairs": [[i, j] for i, j in miss_pairs],
            "cases": m_cases,
        },
    }

    # ---- correlation.json
    defined, undefined = correlation_pairs(matrix, pairs)
    m_defined, m_undefined = correlation_pairs(miss_matrix, miss_pairs)
    synth = synthetic_ties()
    s_pairs = all_pairs(synth.shape[1])
    s_defined, s_undefined = correlation_pairs(synth, s_pairs)
    assert not s_undefined
    correlation = {
        "generator": generator,
        "source": SOURCE,
        "rows": int(matrix.shape[0]),
        "columns": names,
        "pairs": defined,
        "undefined_pairs": undefined,
        "missing_subset": {
            "source_column_index": miss_idx,
            "columns": miss_names,
            "pairs": m_defined,
            "undefined_pairs": m_undefined,
        },
        "synthetic": {
            "seed": SYNTH_SEED,
            "columns": ["c%d" % c for c in range(synth.shape[1])],
            "data": [to_json_column(synth[:, c]) for c in range(synth.shape[1])],
            "pairs": s_defined,
        },
    }

    for fname, obj in (("binned.json", binned), ("correlation.json", correlation)):
        path = os.path.join(OUT_DIR, fname)
        with open(path, "w") as f:
            json.dump(obj, f, allow_nan=False, separators=(",", ":"))
            f.write("\n")
        print("wrote %s (%d bytes)" % (path, os.path.getsize(path)))

    # ---- summary
    print("pairs: %d (main), %d (missing_subset)" % (len(pairs), len(miss_pairs)))
    for key, st in stats.items():
        print("main %s/%d: %s" % (key[0], key[1], st))
    for key, st in m_stats.items():
        print("missing_subset %s/%d: %s" % (key[0], key[1], st))
    reasons = {}
    for u in undefined:
        reasons[u["reason"]] = reasons.get(u["reason"], 0) + 1
    print("correlation main: %d defined, %d undefined %s" % (len(defined), len(undefined), reasons))
    reasons = {}
    for u in m_undefined:
        reasons[u["reason"]] = reasons.get(u["reason"], 0) + 1
    print("correlation missing_subset: %d defined, %d undefined %s"
          % (len(m_defined), len(m_undefined), reasons))
    print("correlation synthetic: %d defined" % len(s_defined))
    print("uniform codes sensitive to (x-mn)/w vs (x-mn)*k/(mx-mn): %d (main), %d (missing_subset)"
          % (uniform_boundary_report(matrix), uniform_boundary_report(miss_matrix)))


if __name__ == "__main__":
    main()
