#!/usr/bin/python3
"""Population binned MI of a standard bivariate Gaussian over quantile cells (issue 14's coverage truth).

Quantile binning into K bins cuts each margin at the population quantiles Phi^-1(k/K); the binned MI
is sum P_ij ln(P_ij K^2) over the K x K cells, P_ij from scipy's bivariate normal CDF. Regenerate:

    /usr/bin/python3 test/golden/make-interval-golden.py > test/golden/intervals.json
"""
import json, sys
import numpy as np, scipy
from scipy.stats import norm, multivariate_normal

COMMAND = "/usr/bin/python3 test/golden/make-interval-golden.py > test/golden/intervals.json"

def binned_mi(rho, K):
    if rho == 0:
        return 0.0
    cuts = norm.ppf(np.arange(1, K) / K)
    e = np.concatenate([[-40.0], cuts, [40.0]])  # +-40 sd stands for +-infinity
    mvn = multivariate_normal(mean=[0, 0], cov=[[1, rho], [rho, 1]])
    F = np.zeros((K + 1, K + 1))
    for i in range(1, K + 1):
        for j in range(1, K + 1):
            F[i, j] = mvn.cdf([e[i], e[j]])
    P = F[1:, 1:] - F[:-1, 1:] - F[1:, :-1] + F[:-1, :-1]
    P = np.clip(P, 0, None)
    P /= P.sum()
    m = P > 0
    return float((P[m] * np.log(P[m] * K * K)).sum())

cases = [{"rho": r, "bins": K, "mi_nats": binned_mi(r, K), "continuous_mi_nats": -0.5 * np.log(1 - r * r)}
         for K in (8, 16) for r in (0.0, 0.3, 0.8)]
json.dump({"generator": {"command": COMMAND, "python": sys.version.split()[0], "numpy": np.__version__, "scipy": scipy.__version__},
           "cases": cases}, sys.stdout, indent=1)
print()
