#!/usr/bin/python3
"""`locus posterior` and `locus tune` across MPI ranks: wall time with 1 and 2 ranks (1 thread
each), beside one process with 2 threads, for the grid posterior of a mock patch, the MCMC
posterior of a smaller one, and a Hyperband search on labelled mock stars. Every split output
(posterior catalogue, best.json) is checked to be the one-process file, byte for byte.

    bench/mpi_scaling.py build/apps/locus/locus [--area 5] [--mcmc-area 0.05] [--tune-rows 3000] [--tune-batch 32] [--repeat 3]

Prints a Markdown table (median wall seconds of --repeat runs, speed-up over 1 rank × 1 thread).
"""
import argparse
import filecmp
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ap = argparse.ArgumentParser()
ap.add_argument("locus")
ap.add_argument("--area", type=float, default=5.0, help="grid: mock patch area, deg² (~44,000 stars per deg²)")
ap.add_argument("--mcmc-area", type=float, default=0.05, help="MCMC: mock patch area, deg²")
ap.add_argument("--tune-rows", type=int, default=3000, help="tune: labelled mock stars (0: no tune case)")
ap.add_argument("--tune-epochs", type=int, default=27, help="tune: Hyperband's R")
ap.add_argument("--tune-batch", type=int, default=32, help="tune: mini-batch size")
ap.add_argument("--repeat", type=int, default=3)
a = ap.parse_args()
LOCUS = os.path.abspath(a.locus)
MPIRUN = shutil.which("mpirun")
if not MPIRUN or "with MPI" not in subprocess.run([LOCUS, "--version"], capture_output=True, text=True).stdout:
    sys.exit("needs mpirun and a locus built with MPI")
ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
tmp = tempfile.mkdtemp(prefix="locus-mpi-bench-")


def run(cmd):
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, env=ENV, cwd=tmp, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


def case(name, command, suffix=".csv"):
    """command(out, threads): the locus arguments that write `out`."""
    ref = os.path.join(tmp, "ref" + suffix)
    setups = [("1 process × 1 thread", [LOCUS], 1), ("1 process × 2 threads", [LOCUS], 2),
              ("2 ranks × 1 thread (mpirun)", [MPIRUN, "-np", "2", "--oversubscribe", LOCUS], 1)]
    times = {label: [] for label, _, _ in setups}
    for r in range(a.repeat):  # interleaved, so load drifts hit every set-up alike
        for label, prefix, threads in setups:
            out = os.path.join(tmp, "out" + suffix)
            times[label].append(run(prefix + command(out, threads)))
            if not os.path.exists(ref):
                os.rename(out, ref)
            else:
                assert filecmp.cmp(out, ref, shallow=False), f"{label}: output differs from the one-process file"
                os.remove(out)
    os.remove(ref)
    base = statistics.median(times[setups[0][0]])
    for label, _, _ in setups:
        m = statistics.median(times[label])
        print(f"| {name} | {label} | {m:.2f} | {base / m:.2f}× |")
    sys.stdout.flush()


cat = os.path.join(tmp, "grid.csv")
subprocess.run([LOCUS, "simulate", "--area", str(a.area), "--seed", "3", "-q", "-o", cat], check=True)
n = sum(1 for _ in open(cat)) - 1
mc = os.path.join(tmp, "mcmc.csv")
subprocess.run([LOCUS, "simulate", "--area", str(a.mcmc_area), "--seed", "3", "-q", "-o", mc], check=True)
m = sum(1 for _ in open(mc)) - 1
print(f"machine: {os.cpu_count()} cores; load average before: {os.getloadavg()[0]:.2f}\n")
print("| run | set-up | wall s (median) | speed-up |\n|---|---|---|---|")


def posterior(catalogue, *opts):
    return lambda out, threads: ["posterior", catalogue, "-o", out, "-q", "--threads", str(threads), *opts]


case(f"grid, KDE priors, {n:,} stars", posterior(cat, "--priors", "kde"))
case(f"MCMC 4 × 500, KDE priors, {m:,} stars", posterior(mc, "--priors", "kde", "--engine", "mcmc"))
if a.tune_rows > 0:
    lab = os.path.join(tmp, "lab.csv")
    with open(cat) as f, open(os.path.join(tmp, "tune_in.csv"), "w") as g:
        for k, line in enumerate(f):
            if k > a.tune_rows:
                break
            g.write(line)
    subprocess.run([LOCUS, "posterior", os.path.join(tmp, "tune_in.csv"), "--priors", "kde", "-q", "-o", lab], check=True,
                   stdout=subprocess.DEVNULL)
    space = os.path.join(tmp, "space.json")
    with open(space, "w") as f:
        f.write('{"architecture": {"max_layers": 3, "max_units": 32, "activations": ["gelu", "tanh", "softsign"]},'
                ' "parameters": [{"name": "learning_rate", "type": "float", "low": 0.001, "high": 0.03, "log": true}]}')
    case(f"tune, Hyperband R = {a.tune_epochs}, batch {a.tune_batch}, {a.tune_rows:,} stars",
         lambda out, threads: ["tune", lab, "--space", space, "--max-epochs", str(a.tune_epochs), "--batch", str(a.tune_batch), "-q",
                               "--threads", str(threads), "--out", out], ".json")
print(f"\nload average after: {os.getloadavg()[0]:.2f}; every split output equalled the one-process file")
shutil.rmtree(tmp)
