#!/usr/bin/python3
"""Ensemble MCMC on the photo-D posterior, locus vs emcee 3, in the same run.

usage: /usr/bin/python3 bench/mcmc_vs_emcee.py BUILD_DIR [--emcee-stars N] [--repeats R]

Runs BUILD_DIR/bench/bench_mcmc over the 3,981 S82 stars (10 Gyr locus thinned x10, S82
priors of pixel 0, 4 walkers x 500 steps, single thread), which also dumps the model grid,
the prior maps, and for the first N stars the exact starting walkers locus used. Then runs
emcee 3 (EnsembleSampler with StretchMove(a=2, live_dangerously=True), since 4 walkers
< 2 x 3 parameters) on the identical target from the identical starts, one star after
another on one thread. The Python target is checked against locus's log-probability at 20
points per star before timing (relative difference < 1e-9, same -inf). The target is pure
Python on floats (bisect for the cells): about 3x faster per call than a numpy version,
so emcee is not handicapped by the target.

Times: wall clock and thread CPU time (the machine is shared; CPU time excludes waiting for
a core). locus "total" includes the grid-posterior start and the summaries; emcee's time is
run_mcmc alone. Prints a markdown table with the ratios.
"""
import argparse
import bisect
import json
import math
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import emcee

p = argparse.ArgumentParser()
p.add_argument("build_dir")
p.add_argument("--emcee-stars", type=int, default=100)
p.add_argument("--repeats", type=int, default=3)
args = p.parse_args()

with tempfile.TemporaryDirectory() as tmp:
    dump = os.path.join(tmp, "mcmc.json")
    out = subprocess.run([os.path.join(args.build_dir, "bench", "bench_mcmc"), "--repeats", str(args.repeats),
                          "--dump", dump, "--dump-stars", str(args.emcee_stars)],
                         check=True, capture_output=True, text=True).stdout
    locus = {k: float(v) for k, v in (line.split() for line in out.strip().splitlines())}
    d = json.load(open(dump))

T, F, MR, COL, K = d["t"], d["feh"], d["mr"], d["colour"], d["k"]
NT, NF = len(T), len(F)
T0, T1, F0, F1 = T[0], T[-1], F[0], F[-1]
NINF = -math.inf


def cell(axis, x, n):
    i = bisect.bisect_right(axis, x) - 1
    i = min(max(i, 0), n - 2)
    return i, (x - axis[i]) / (axis[i + 1] - axis[i])


class Target:
    """log pi(t, [Fe/H], Ar): the same density and arithmetic as locus::bayes::PhotodTarget."""

    def __init__(self, star, prior):
        self.obs = star["colour"]
        self.ivar = [1.0 / (e * e) for e in star["error"]]
        self.amax = star["ar_max"]
        self.flo, self.fstep, self.fn = prior["feh_lo"], prior["feh_step"], prior["feh_n"]
        self.mlo, self.mstep, self.mn = prior["mr_lo"], prior["mr_step"], prior["mr_n"]
        self.fhi = self.flo + self.fstep * (self.fn - 1)
        self.mhi = self.mlo + self.mstep * (self.mn - 1)
        self.pv = prior["values"]

    def density(self, m, f):
        if not (self.flo <= f <= self.fhi and self.mlo <= m <= self.mhi):
            return 0.0
        u = (f - self.flo) / self.fstep
        i = min(int(max(0.0, math.floor(u))), self.fn - 2)
        fx = min(max(u - i, 0.0), 1.0)
        v = (m - self.mlo) / self.mstep
        j = min(int(max(0.0, math.floor(v))), self.mn - 2)
        fy = min(max(v - j, 0.0), 1.0)
        i1, j1, n = min(i + 1, self.fn - 1), min(j + 1, self.mn - 1), self.fn
        pv = self.pv
        return ((1 - fx) * (1 - fy) * pv[j * n + i] + fx * (1 - fy) * pv[j * n + i1]
                + (1 - fx) * fy * pv[j1 * n + i] + fx * fy * pv[j1 * n + i1])

    def __call__(self, x):
        t, f, a = float(x[0]), float(x[1]), float(x[2])
        if not (0.0 <= a <= self.amax):
            return NINF
        if not (T0 <= t <= T1 and F0 <= f <= F1):
            return NINF
        i, ft = cell(T, t, NT)
        j, ff = cell(F, f, NF)
        n00, n10, n01, n11 = j * NT + i, j * NT + i + 1, (j + 1) * NT + i, (j + 1) * NT + i + 1
        w00, w10, w01, w11 = (1 - ft) * (1 - ff), ft * (1 - ff), (1 - ft) * ff, ft * ff
        mr = w00 * MR[n00] + w10 * MR[n10] + w01 * MR[n01] + w11 * MR[n11]
        pr = self.density(mr, f)
        if not pr > 0:
            return NINF
        chi2 = 0.0
        for c in range(4):
            col = COL[c]
            dlt = self.obs[c] - (w00 * col[n00] + w10 * col[n10] + w01 * col[n01] + w11 * col[n11]) - K[c] * a
            chi2 += dlt * dlt * self.ivar[c]
        return math.log(pr) - 0.5 * chi2

    def mr(self, t, f):
        i, ft = cell(T, t, NT)
        j, ff = cell(F, f, NF)
        n00, n10, n01, n11 = j * NT + i, j * NT + i + 1, (j + 1) * NT + i, (j + 1) * NT + i + 1
        return (1 - ft) * (1 - ff) * MR[n00] + ft * (1 - ff) * MR[n10] + (1 - ft) * ff * MR[n01] + ft * ff * MR[n11]


stars = d["stars"]
targets = [Target(s, d["priors"][s["bin"]]) for s in stars]

# Same target: compare with locus's log pi at the dumped points.
worst = 0.0
for s, tg in zip(stars, targets):
    for x, ref in zip(s["points"], s["log_prob"]):
        got = tg(x)
        if ref is None:
            if got != NINF:
                sys.exit("target mismatch: locus -inf, python %r at %r" % (got, x))
        else:
            worst = max(worst, abs(got - ref) / max(1.0, abs(ref)))
if worst > 1e-9:
    sys.exit("target mismatch: relative difference %.3g" % worst)

walkers, steps = int(locus["walkers"]), int(locus["steps"])
wall, cpu, acc, zs = [], [], [], []
np.random.seed(20251124)
for s, tg in zip(stars, targets):
    start = np.array(s["start"]).reshape(walkers, 3)
    sampler = emcee.EnsembleSampler(walkers, 3, tg, moves=emcee.moves.StretchMove(a=2.0, live_dangerously=True))
    t0, c0 = time.perf_counter(), time.thread_time()
    sampler.run_mcmc(start, steps, progress=False)
    wall.append(time.perf_counter() - t0)
    cpu.append(time.thread_time() - c0)
    acc.append(float(np.mean(sampler.acceptance_fraction)))
    ch = sampler.get_chain(discard=100, flat=True)
    mr = np.array([tg.mr(a, b) for a, b, _ in ch])
    # locus's summaries are in its parameter order (Mr, Ar, [Fe/H]); the chain is (t, [Fe/H], Ar)
    em = [mr.mean(), ch[:, 2].mean(), ch[:, 1].mean()]
    es = [mr.std(), ch[:, 2].std(), ch[:, 1].std()]
    for q in range(3):
        sig = math.hypot(es[q], s["locus_sigma"][q])
        if sig > 0:
            zs.append(abs(em[q] - s["locus_mean"][q]) / sig)

n = len(stars)
e_wall, e_cpu = sum(wall) / n, sum(cpu) / n
l_tot, l_run = locus["per_star_total_s"], locus["per_star_sampler_s"]
l_tot_c, l_run_c = locus["per_star_total_cpu_s"], locus["per_star_sampler_cpu_s"]
print("Photo-D posterior, ensemble MCMC, %d walkers x %d steps per star (stretch move a = 2), "
      "single thread; locus over %d S82 stars (best of %d passes), emcee %s over the first %d."
      % (walkers, steps, int(locus["stars"]), args.repeats, emcee.__version__, n))
print("Python target matches locus's log pi to %.1e (relative) at %d points." % (worst, 20 * n))
print()
print("| implementation | wall per star | CPU per star | emcee / this (wall) | emcee / this (CPU) | acceptance |")
print("|---|---|---|---|---|---|")
print("| emcee %s (StretchMove, live_dangerously) | %.2f ms | %.2f ms | 1 | 1 | %.3f |"
      % (emcee.__version__, 1e3 * e_wall, 1e3 * e_cpu, sum(acc) / n))
print("| locus EnsembleSampler, sampler only | %.1f us | %.1f us | %.0fx | %.0fx | %.3f |"
      % (1e6 * l_run, 1e6 * l_run_c, e_wall / l_run, e_cpu / l_run_c, locus["acceptance"]))
print("| locus, start + sampler + summaries | %.1f us | %.1f us | %.0fx | %.0fx | |"
      % (1e6 * l_tot, 1e6 * l_tot_c, e_wall / l_tot, e_cpu / l_tot_c))
print()
print("Whole catalogue through bayes::mcmc_posterior (start + sampler + summaries): 1 thread %.2f s, "
      "2 threads %.2f s (speed-up %.2fx; results identical: %s)."
      % (locus["catalog_1thread_s"], locus["catalog_2threads_s"],
         locus["catalog_1thread_s"] / locus["catalog_2threads_s"],
         "yes" if locus["threads_identical"] == 1 else "NO"))
zs = np.array(zs)
print("emcee vs locus posterior means (both 4 x 500, independent chains), |difference| / "
      "sqrt(sigma_emcee^2 + sigma_locus^2) over %d star-parameters: median %.2f, 90th percentile %.2f."
      % (len(zs), np.median(zs), np.percentile(zs, 90)))
