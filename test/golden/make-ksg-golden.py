#!/usr/bin/env python3
"""KSG golden values from scikit-learn's mutual_info_regression (KSG algorithm 1, nats).

Run from the repo root:  /usr/bin/python3 test/golden/make-ksg-golden.py
Writes test/golden/ksg.json: for each case the data (x, y), k, and sklearn's value. sklearn scales
both to unit variance (no centring) and adds 1e-10-relative noise (random_state=0); on continuous
data that noise cannot change neighbour relations, so metricsift (its own seeded jitter) must agree
to rounding.
"""
import json, sys
import numpy as np
import sklearn
from sklearn.feature_selection import mutual_info_regression

cases = []
rng = np.random.default_rng(2024)
for n, rho, k in [(500, 0.3, 3), (500, 0.9, 3), (800, 0.6, 5), (300, 0.99, 2), (1000, 0.5, 1)]:
    a = rng.standard_normal(n)
    b = rho * a + np.sqrt(1 - rho * rho) * rng.standard_normal(n)
    x = np.exp(a) if n == 800 else a  # one non-Gaussian marginal
    mi = mutual_info_regression(x.reshape(-1, 1), b, n_neighbors=k, random_state=0)[0]
    cases.append({"n": n, "rho": rho, "k": k, "x": x.tolist(), "y": b.tolist(), "sklearn_nats": float(mi)})
out = {
    "generator": {"command": "/usr/bin/python3 test/golden/make-ksg-golden.py", "sklearn": sklearn.__version__,
                  "numpy": np.__version__, "python": sys.version.split()[0]},
    "cases": cases,
}
with open("test/golden/ksg.json", "w") as f:
    json.dump(out, f)
print("wrote test/golden/ksg.json", [round(c["sklearn_nats"], 6) for c in cases])
