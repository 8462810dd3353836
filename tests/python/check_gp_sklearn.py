#!/usr/bin/python3
"""Cross-check of locus::tune::GaussianProcess against scikit-learn (ctest python/gp_sklearn).

With the same fixed hyperparameters — Matérn-5/2 with ARD length scales, signal variance
s², noise variance σ_n² and constant mean c — locus's predictive mean and standard deviation
must agree with sklearn's GaussianProcessRegressor to 1e-8 (absolute, on values of order 1)
at 200 test points, and the log marginal likelihood to 1e-8 relative.

sklearn set-up: kernel = ConstantKernel(s², fixed) * Matern(l, nu=2.5, fixed), alpha = σ_n²
(noise on the training diagonal only, so the predictive σ is the latent one, as in locus),
optimizer=None, normalize_y=False, fitted to y - c (sklearn's prior mean is zero).
Several problems are checked: 1-D, 5-D and 21-D (the Bayesian-optimisation size).
Exits 77 (skipped) when sklearn is not installed.
"""
import json
import os
import subprocess
import sys
import tempfile

try:
    import numpy as np
    from sklearn.gaussian_process import GaussianProcessRegressor
    from sklearn.gaussian_process.kernels import ConstantKernel, Matern
except ImportError:
    print("SKIPPED: scikit-learn (python3-sklearn) is not installed for /usr/bin/python3")
    sys.exit(77)

tools = os.environ.get("LOCUS_TOOLS", ".")
helper = os.path.join(tools, "gp_sklearn_dump")
rng = np.random.default_rng(20250101)
failures = []

for n, d, noise in [(12, 1, 1e-6), (40, 5, 1e-3), (100, 21, 1e-2)]:
    X = rng.uniform(0, 1, size=(n, d))
    y = np.sin(4 * X[:, 0]) + 0.5 * X.sum(axis=1) + 0.05 * rng.normal(size=n) + 1.3
    Xs = rng.uniform(-0.1, 1.1, size=(200, d))
    ls = rng.uniform(0.2, 2.0, size=d)
    sf2, c = 0.9, 1.1
    prob = dict(X=X.tolist(), y=y.tolist(), Xs=Xs.tolist(), mean=c, signal_variance=sf2,
                length_scales=ls.tolist(), noise_variance=noise)
    with tempfile.TemporaryDirectory() as tmp:
        pin, pout = os.path.join(tmp, "in.json"), os.path.join(tmp, "out.json")
        json.dump(prob, open(pin, "w"))
        subprocess.run([helper, pin, pout], check=True)
        ours = json.load(open(pout))
    kernel = ConstantKernel(sf2, constant_value_bounds="fixed") * Matern(length_scale=ls, nu=2.5, length_scale_bounds="fixed")
    gpr = GaussianProcessRegressor(kernel=kernel, alpha=noise, optimizer=None, normalize_y=False)
    gpr.fit(X, y - c)
    mean, std = gpr.predict(Xs, return_std=True)
    mean = mean + c
    dm = np.max(np.abs(np.array(ours["mean"]) - mean))
    ds = np.max(np.abs(np.array(ours["sigma"]) - std))
    lml_ref = gpr.log_marginal_likelihood_value_
    dl = abs(ours["lml"] - lml_ref) / max(1.0, abs(lml_ref))
    print(f"n={n:3d} d={d:2d}: max|mean diff| {dm:.2e}  max|sigma diff| {ds:.2e}  lml rel diff {dl:.2e}")
    if not (dm < 1e-8 and ds < 1e-8 and dl < 1e-8):
        failures.append((n, d, dm, ds, dl))

if failures:
    print("FAILED:", failures)
    sys.exit(1)
print("OK: locus GaussianProcess agrees with sklearn to 1e-8")
