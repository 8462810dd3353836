#!/usr/bin/python3
"""photo-D grid posterior on the Stripe 82 stars: locus (mode a, mode b) vs NumPy, same run.

usage: /usr/bin/python3 bench/grid_posterior_vs_numpy.py BUILD_DIR [--numpy-stars N] [--data DIR]

Runs BUILD_DIR/bench/bench_grid_posterior (all 3,981 stars, SDSSDSEDlocus_10Gyr thinned every
10th tLoc, S82 priors pix0), then the same brute-force computation written in NumPy
(chi^2 over nodes x the 0.01 mag A_r grid by broadcasting, prior x exp(-chi^2/2), moments,
photo-D quantiles) on the first N stars, checks that its means equal mode (a)'s, and prints
a markdown table of per-star times with ratios.
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

p = argparse.ArgumentParser()
p.add_argument("build_dir")
p.add_argument("--numpy-stars", type=int, default=200)
p.add_argument("--data", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "data"))
args = p.parse_args()
D = os.path.join(args.data, "photod")

with tempfile.TemporaryDirectory() as tmp:
    dump = os.path.join(tmp, "a.csv")
    out = subprocess.run([os.path.join(args.build_dir, "bench", "bench_grid_posterior"), "--data", args.data, "--out", dump],
                         check=True, capture_output=True, text=True).stdout
    locus = {k: float(v) for k, v in (line.split() for line in out.strip().splitlines())}
    ref = np.genfromtxt(dump, delimiter=",", names=True)

# ---- inputs, read the same way as the C++ side
cat = np.genfromtxt(os.path.join(D, "s82", "s82_calibstars.csv"), delimiter=",", names=True, dtype=None, encoding="ascii")
colours = ["ug", "gr", "ri", "iz"]
obs = np.stack([cat[c] for c in colours], axis=1).astype(float)
err = np.stack([cat[c + "Err"] for c in colours], axis=1).astype(float)
rmag = cat["rmag"].astype(float)
ar_sfd = cat["Ar"].astype(float)

loc = np.loadtxt(os.path.join(D, "locus", "SDSSDSEDlocus_10Gyr.txt"), skiprows=2)
t_all = np.unique(loc[:, 0])
keep = np.unique(np.append(np.arange(0, t_all.size, 10), t_all.size - 1))
rows = np.isin(loc[:, 0], t_all[keep])
loc = loc[rows]
order = np.lexsort((loc[:, 0], loc[:, 2]))  # [Fe/H]-major, t fastest (same node order as locus)
loc = loc[order]
node_mr, node_feh, node_col = loc[:, 1], loc[:, 2], loc[:, 3:7]

pri = np.genfromtxt(os.path.join(D, "s82", "priors_s82_pix0.csv"), delimiter=",", names=True)
bins = np.unique(pri["rmag"])
node_prior = np.zeros((bins.size, node_mr.size))
for k, r in enumerate(bins):
    sel = pri[pri["rmag"] == r]
    fv, mv = np.unique(sel["FeH"]), np.unique(sel["Mr"])
    grid = np.zeros((mv.size, fv.size))
    grid[np.searchsorted(mv, sel["Mr"]), np.searchsorted(fv, sel["FeH"])] = sel["density"]
    df, dm = (fv[-1] - fv[0]) / (fv.size - 1), (mv[-1] - mv[0]) / (mv.size - 1)
    inside = (node_feh >= fv[0]) & (node_feh <= fv[-1]) & (node_mr >= mv[0]) & (node_mr <= mv[-1])
    u = np.clip((node_feh - fv[0]) / df, 0, fv.size - 1)
    v = np.clip((node_mr - mv[0]) / dm, 0, mv.size - 1)
    i = np.minimum(np.floor(u).astype(int), fv.size - 2)
    j = np.minimum(np.floor(v).astype(int), mv.size - 2)
    fx, fy = u - i, v - j
    val = ((1 - fx) * (1 - fy) * grid[j, i] + fx * (1 - fy) * grid[j, i + 1] + (1 - fx) * fy * grid[j + 1, i]
           + fx * fy * grid[j + 1, i + 1])
    node_prior[k] = np.where(inside, val, 0.0)

kc = np.array([1.810 - 1.400, 1.400 - 1.000, 1.000 - 0.759, 0.759 - 0.561])  # Berry et al. 2012
mr_u, mr_inv = np.unique(node_mr, return_inverse=True)
feh_u, feh_inv = np.unique(node_feh, return_inverse=True)
levels = np.array([0.14, 0.5, 0.86])


def quantiles(x, w):
    c = np.cumsum(w)
    return np.interp(levels, (c - 0.5 * w) / c[-1], x)


def fit(i):
    amax = 1.3 * ar_sfd[i] + 0.1
    A = np.arange(int(np.floor(amax / 0.01 * (1 + 1e-12))) + 1) * 0.01
    b = int(np.interp(rmag[i], np.linspace(14, 27, 27), np.arange(27)) + 0.5)
    prior = node_prior[b]
    resid = (obs[i][None, :, None] - node_col[:, :, None] - kc[None, :, None] * A[None, None, :]) / err[i][None, :, None]
    chi2 = np.sum(resid * resid, axis=1)  # nodes x A
    shift = chi2[prior > 0].min()
    w = prior[:, None] * np.exp(-0.5 * (chi2 - shift))
    wn, wa = w.sum(axis=1), w.sum(axis=0)
    tot = wn.sum()
    m = np.array([wn @ node_mr, wn @ node_feh, wa @ A]) / tot
    s = np.sqrt(np.array([wn @ (node_mr - m[0]) ** 2, wn @ (node_feh - m[1]) ** 2, wa @ (A - m[2]) ** 2]) / tot)
    q = (quantiles(mr_u, np.bincount(mr_inv, wn, mr_u.size)), quantiles(feh_u, np.bincount(feh_inv, wn, feh_u.size)),
         quantiles(A, wa))
    return m, s, q, chi2.min()


n = min(args.numpy_stars, obs.shape[0])
fit(0)
t0, c0 = time.perf_counter(), time.process_time()
res = [fit(i) for i in range(n)]
t_np, c_np = (time.perf_counter() - t0) / n, (time.process_time() - c0) / n
dev = max(np.max(np.abs(res[i][0] - np.array([ref["Mr"][i], ref["FeH"][i], ref["Ar"][i]]))) for i in range(n))

us = 1e6
print(f"Stripe 82: {int(locus['stars'])} stars, {int(locus['nodes'])} nodes (10 Gyr locus, every 10th tLoc), "
      f"A_r step 0.01; NumPy timed on the first {n} stars. max |NumPy - locus mode (a)| of the means: {dev:.2e}\n")
print("| implementation | threads | wall per star | CPU per star | NumPy / this (wall) | NumPy / this (CPU) |")
print("|---|---|---|---|---|---|")
print(f"| NumPy brute force (photo-D's computation) | 1 | {t_np * us:.0f} µs | {c_np * us:.0f} µs | 1 | 1 |")
for name, key, cpu in [("locus mode (a), brute force", "a", True), ("locus mode (b), exact A_r integral", "b", True)]:
    w, c = locus[key + "_wall_us"], locus[key + "_cpu_us"]
    print(f"| {name} | 1 | {w:.1f} µs | {c:.1f} µs | {t_np * us / w:.0f}x | {c_np * us / c:.0f}x |")
    w2 = locus[key + "2_wall_us"]
    print(f"| {name} | 2 | {w2:.1f} µs | | {t_np * us / w2:.0f}x | |")
print(f"\n2-thread scaling: mode (a) {locus['a_wall_us'] / locus['a2_wall_us']:.2f}x, mode (b) {locus['b_wall_us'] / locus['b2_wall_us']:.2f}x")
if dev > 1e-9:
    print("ERROR: NumPy and locus mode (a) disagree", file=sys.stderr)
    sys.exit(1)
