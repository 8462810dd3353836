#!/usr/bin/python3
"""Cross-check of locus's integrated autocorrelation time against emcee 3 (ctest
python/mcmc_autocorr).

Chains of several shapes and mixing speeds (AR(1) with a from 0 to 0.99, a random walk,
several parameters and walkers, a chain shorter than 50 tau) are written to text files; the
helper program mcmc_autocorr computes tau with locus (automatic, direct and FFT paths) and
every value must equal emcee.autocorr.integrated_time(x, c=5, tol=50, quiet=True) to 1e-9
relative, and the reliability flag must equal emcee's (N > 50 tau).
Exits 77 (skipped) when emcee is not installed.
"""
import logging
import os
import subprocess
import sys
import tempfile

try:
    import numpy as np
    import emcee
except ImportError:
    print("SKIPPED: emcee (and numpy) are not installed for /usr/bin/python3")
    sys.exit(77)

logging.getLogger("emcee").setLevel(logging.ERROR)
tools = os.environ.get("LOCUS_TOOLS", ".")
rng = np.random.default_rng(20251124)


def ar1(a, nsteps, nwalkers):
    x = np.empty((nsteps, nwalkers))
    x[0] = rng.normal(size=nwalkers) / np.sqrt(1 - a * a)
    eps = rng.normal(size=(nsteps, nwalkers))
    for t in range(1, nsteps):
        x[t] = a * x[t - 1] + eps[t]
    return x


cases = {
    "white noise": ar1(0.0, 2000, 4)[:, :, None],
    "AR(1) 0.5, 1 walker": ar1(0.5, 5000, 1)[:, :, None],
    "AR(1) 0.9": ar1(0.9, 4000, 8)[:, :, None],
    "AR(1) 0.99 (slow, FFT path)": ar1(0.99, 3000, 4)[:, :, None],
    "random walk": np.cumsum(rng.normal(size=(500, 3, 1)), axis=0),
    "three parameters": np.stack([ar1(0.2, 1500, 6), ar1(0.8, 1500, 6), ar1(0.97, 1500, 6)], axis=2),
    "short chain": ar1(0.9, 64, 2)[:, :, None],
}

failures = []
with tempfile.TemporaryDirectory() as tmp:
    for name, x in cases.items():
        path = os.path.join(tmp, "chain.txt")
        with open(path, "w") as f:
            f.write("%d %d %d\n" % x.shape)
            np.savetxt(f, x.reshape(-1), fmt="%.17g")
        out = subprocess.run([os.path.join(tools, "mcmc_autocorr"), path], check=True,
                             capture_output=True, text=True).stdout.split("\n")
        ref = emcee.autocorr.integrated_time(x, c=5, tol=50, quiet=True)
        for d in range(x.shape[2]):
            tau, window, reliable, tau_direct, tau_fft = out[d].split()
            tau, tau_direct, tau_fft = float(tau), float(tau_direct), float(tau_fft)
            expect_reliable = not (50 * ref[d] > x.shape[0])
            err = max(abs(v - ref[d]) / abs(ref[d]) for v in (tau, tau_direct, tau_fft))
            ok = err < 1e-9 and (reliable == "1") == expect_reliable
            print("%-30s d=%d  emcee %.10g  locus %.10g (window %s)  rel.err %.1e  %s"
                  % (name, d, ref[d], tau, window, err, "ok" if ok else "FAIL"))
            if not ok:
                failures.append((name, d))

if failures:
    print("FAILED:", failures)
    sys.exit(1)
print("all integrated times agree with emcee")
