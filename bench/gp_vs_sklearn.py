#!/usr/bin/python3
"""The Bayesian-optimisation suggest step: locus next to scikit-learn, in one run.

For each space -- paper 000's architecture space (21 parameters, one-hot encoded in 131
dimensions) and a plain space of 21 floats -- this runs:

  locus suggest()   bench_gp: BayesianOptimizer::suggest() end to end after 100 observations
                    (GP fit, 3,000 random + 1,000 local candidates, local search over 768
                    more: 4,768 acquisition values), median of the timed steps, page faults
  locus GP          bench_gp --data: GaussianProcess::optimize (ARD, 3 starts) + expected
                    improvement over 4,768 candidates, on the data of the last suggest step
  sklearn ARD       GaussianProcessRegressor(ConstantKernel * Matern(ARD, nu=2.5) +
                    WhiteKernel, n_restarts_optimizer=2): the same model class and number of
                    starts as locus; fit + EI over the same 4,768 candidates
  sklearn Keras     the set-up Keras Tuner used (keras-tuner 1.0.x): Matern(nu=2.5), one
                    length scale, n_restarts_optimizer=20, normalize_y=True, alpha=1e-4

Both sides get one untimed warm-up run; medians (and min-max) of --repeats timed runs (the
ARD fit, seconds per run, gets half as many, at least 3). Both
processes use glibc's malloc with its default settings (the script refuses to run if
MALLOC_* or GLIBC_TUNABLES variables are set, so the figures are those a user gets). scikit-
learn's fit time depends on allocation history (0.27 s vs 2.6 s has been seen for the same
fit), hence the min-max column. One thread on both sides (OMP/OPENBLAS/MKL_NUM_THREADS=1).

usage: /usr/bin/python3 bench/gp_vs_sklearn.py [path/to/bench_gp] [--repeats N]
"""
import os

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = "1"  # before numpy loads its BLAS

import argparse
import json
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
ap.add_argument("binary", nargs="?", default=os.path.join(here, "..", "build", "bench", "bench_gp"))
ap.add_argument("--repeats", type=int, default=7)
cli = ap.parse_args()
if not os.path.exists(cli.binary):
    sys.exit(f"bench_gp binary not found at {cli.binary}; pass its path")
malloc_env = [k for k in os.environ if k.startswith("MALLOC_") or k == "GLIBC_TUNABLES"]
if malloc_env:
    sys.exit(f"unset {', '.join(malloc_env)}: the comparison is made with glibc's default malloc settings")


def run_json(args):
    out = subprocess.run([cli.binary] + args, check=True, capture_output=True, text=True).stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def sklearn_step(X, y, Xs, kernel, restarts, normalize, alpha, seed):
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


def timed(f, reps):
    f(-1)  # warm-up
    rows = [f(r) for r in range(reps)]
    tot = [r[2] for r in rows]
    return dict(fit=float(np.median([r[0] for r in rows])), acq=float(np.median([r[1] for r in rows])),
                total=float(np.median(tot)), lo=min(tot), hi=max(tot))


print("BO suggest step after 100 observations, 1 thread, glibc malloc defaults; medians (min-max) of "
      f"{cli.repeats} timed runs after a warm-up\n")
with tempfile.TemporaryDirectory() as tmp:
    for space, label in (("paper", "paper 000's architecture space"), ("float", "21 floats in [0, 1]")):
        data = os.path.join(tmp, space + ".json")
        s = run_json(["--space", space, "--repeats", "15", "--threads", "1", "--dump-data", data])[0]
        gp = run_json(["--data", data, "--repeats", str(max(15, cli.repeats)), "--threads", "1"])[0]
        j = json.load(open(data))
        X, y, Xs = np.array(j["X"]), np.array(j["y"]), np.array(j["Xs"])
        d, m = X.shape[1], Xs.shape[0]
        ard = timed(lambda r: sklearn_step(X, y, Xs, ConstantKernel() * Matern(length_scale=np.ones(d), nu=2.5)
                                           + WhiteKernel(1e-3), 2, True, 1e-10, r + 1), max(3, cli.repeats // 2))
        keras = timed(lambda r: sklearn_step(X, y, Xs, Matern(nu=2.5), 20, True, 1e-4, r + 1), cli.repeats)
        print(f"### {label}: {s['parameters']} parameters, encoded in {d} dimensions; {m} candidates scored\n")
        print("| implementation | fit (ms) | acquisition (ms) | total (ms) | min-max (ms) | locus suggest() is faster by |")
        print("|---|---|---|---|---|---|")
        sug = s["suggest_s"]
        print(f"| locus `suggest()` end to end ({s['faults_per_step']:.0f} page faults/step) | | | "
              f"**{sug * 1e3:.1f}** | {s['suggest_best_s'] * 1e3:.1f}- | 1.0x |")
        print(f"| locus GaussianProcess fit (ARD, 3 starts) + EI | {gp['fit_s'] * 1e3:.1f} | "
              f"{gp['acquisition_s'] * 1e3:.1f} | {gp['total_s'] * 1e3:.1f} | {gp['total_best_s'] * 1e3:.1f}- | |")
        for name, r in (("sklearn GPR, ARD Matérn + noise, 3 starts", ard),
                        ("sklearn GPR, Keras Tuner set-up (one length scale, 21 starts)", keras)):
            print(f"| {name} | {r['fit'] * 1e3:.1f} | {r['acq'] * 1e3:.1f} | {r['total'] * 1e3:.1f} | "
                  f"{r['lo'] * 1e3:.0f}-{r['hi'] * 1e3:.0f} | {r['total'] / sug:.1f}x |")
        print(f"\nfirst suggest() of the process (allocates the reused buffers): {s['first_step_s'] * 1e3:.1f} ms, "
              f"{s['first_step_faults']} page faults\n")
