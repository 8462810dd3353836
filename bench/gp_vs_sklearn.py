#!/usr/bin/python3
"""GP suggest step: locus (bench_gp) next to scikit-learn, on the same data, in one run.

The step: fit a GP on 100 observations in a 21-dimensional unit cube (hyperparameters by
maximum likelihood) and score 5,000 candidates by expected improvement.

scikit-learn is used the way Keras Tuner's BayesianOptimizationOracle used it (keras-tuner
1.0.x): GaussianProcessRegressor(kernel=Matern(nu=2.5), n_restarts_optimizer=20,
normalize_y=True, alpha=1e-4), then predict(return_std=True) on the candidates. A second
sklearn row uses the same model class as locus (ConstantKernel * Matern ARD + WhiteKernel,
3 starts) so the comparison is also like for like.

usage: /usr/bin/python3 bench/gp_vs_sklearn.py [path/to/bench_gp] [--repeats N]
Prints a markdown table with median times and ratios.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import warnings

import numpy as np
from scipy.stats import norm
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import ConstantKernel, Matern, WhiteKernel

warnings.filterwarnings("ignore")  # sklearn's ConvergenceWarning about length-scale bounds

here = os.path.dirname(os.path.abspath(__file__))
ap = argparse.ArgumentParser()
ap.add_argument("binary", nargs="?", default=os.path.join(here, "..", "build", "bench/bench_gp"))
ap.add_argument("--repeats", type=int, default=7)
cli = ap.parse_args()
binary, repeats = cli.binary, cli.repeats
if not os.path.exists(binary):
    sys.exit(f"bench_gp binary not found at {binary}; pass its path")

rng = np.random.default_rng(1)
n, d, m = 100, 21, 5000
X = rng.uniform(size=(n, d))
Xs = rng.uniform(size=(m, d))
y = sum(np.sin(3 * X[:, k] + k) / (k + 1) for k in range(d)) + 0.01 * rng.normal(size=n)


def sklearn_step(kernel, restarts, normalize, alpha, seed):
    t0 = time.perf_counter()
    gpr = GaussianProcessRegressor(kernel=kernel, n_restarts_optimizer=restarts, normalize_y=normalize,
                                   alpha=alpha, random_state=seed)
    gpr.fit(X, y)
    t1 = time.perf_counter()
    mu, sd = gpr.predict(Xs, return_std=True)
    best = y.min()
    z = (best - mu) / np.maximum(sd, 1e-12)
    ei = (best - mu) * norm.cdf(z) + sd * norm.pdf(z)
    int(np.argmax(ei))
    t2 = time.perf_counter()
    return t1 - t0, t2 - t1, t2 - t0


def median_of(f, reps):
    rows = [f(r) for r in range(reps)]
    return [float(np.median([r[i] for r in rows])) for i in range(3)]


with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, "data.json")
    json.dump(dict(X=X.tolist(), y=y.tolist(), Xs=Xs.tolist()), open(path, "w"))
    out1 = json.loads(subprocess.run([binary, "--data", path, "--repeats", str(max(15, repeats)), "--threads", "1"],
                                     check=True, capture_output=True, text=True).stdout)
    out2 = json.loads(subprocess.run([binary, "--data", path, "--repeats", str(max(15, repeats)), "--threads", "2"],
                                     check=True, capture_output=True, text=True).stdout)

keras = median_of(lambda r: sklearn_step(Matern(nu=2.5), 20, True, 1e-4, r), repeats)
ard = median_of(lambda r: sklearn_step(ConstantKernel() * Matern(length_scale=np.ones(d), nu=2.5) + WhiteKernel(1e-3),
                                       2, True, 1e-10, r), max(3, repeats // 2))

rows = [
    ("locus GaussianProcess (ARD, 3 starts, 1 thread)", out1["fit_s"], out1["acquisition_s"], out1["total_s"]),
    ("locus GaussianProcess (ARD, 3 starts, 2 threads)", out2["fit_s"], out2["acquisition_s"], out2["total_s"]),
    ("sklearn GPR, Keras Tuner set-up (isotropic Matern, 21 starts)", *keras),
    ("sklearn GPR, ARD Matern + noise, 3 starts", *ard),
]
ref = rows[2][3]
print(f"GP suggest step: fit on {n} observations in {d}-D + EI over {m} candidates (median times)\n")
print("| implementation | fit (ms) | acquisition (ms) | total (ms) | speed-up vs Keras Tuner set-up |")
print("|---|---|---|---|---|")
for name, f, a, t in rows:
    print(f"| {name} | {f * 1e3:.1f} | {a * 1e3:.1f} | {t * 1e3:.1f} | {ref / t:.1f}x |")
print(f"\nlocus log marginal likelihood at its optimum: {out1['lml']:.3f} (standardised y)")
