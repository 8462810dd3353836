#!/usr/bin/python3
"""The cost of the Python front door: locus.posterior(df, priors=FILE) on the default mock patch
(about 442k stars) against the same call from C++ (bench_posterior_call: catalogue in memory ->
stars -> grid posterior -> summary columns), alternating in the same run. Reading the CSV is
not timed on either side. Reports the medians of wall and CPU time (all threads; less
sensitive to a shared machine's noise) and the overheads in per cent.

Usage: PYTHONPATH=build/python bench/python_overhead.py [--build build] [--repeats 5] [--threads 0]
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

import pandas as pd

import locus

p = argparse.ArgumentParser()
here = os.path.dirname(os.path.abspath(__file__))
p.add_argument("--build", default=os.path.join(here, "..", "build"))
p.add_argument("--repeats", type=int, default=5)
p.add_argument("--threads", type=int, default=0)
args = p.parse_args()
tool = os.path.join(args.build, "apps", "locus", "locus")
cpp = os.path.join(args.build, "bench", "bench_posterior_call")
priors = os.path.join(here, "..", "data", "photod", "s82", "priors_s82_pix0.csv")
for f in (tool, cpp):
    if not os.path.exists(f):
        sys.exit(f"missing {f} (build the locus_cli and bench_posterior_call targets)")

with tempfile.TemporaryDirectory() as d:
    mock = os.path.join(d, "mock.csv")
    subprocess.run([tool, "simulate", "-q", "-o", mock], check=True)  # the default 10 deg² patch
    df = pd.read_csv(mock, comment="#", float_precision="round_trip")
    py_t, cpp_t, py_c, cpp_c = [], [], [], []
    for r in range(args.repeats):
        out = subprocess.run([cpp, mock, priors, "1", str(args.threads)], check=True, capture_output=True, text=True)
        cpp_t.append(float(out.stdout.split()[1]))
        cpp_c.append(float(out.stdout.split()[3]))
        t0, c0 = time.perf_counter(), time.process_time()
        res = locus.posterior(df, priors=priors, threads=args.threads)
        py_t.append(time.perf_counter() - t0)
        py_c.append(time.process_time() - c0)
        print(f"repeat {r}: C++ {cpp_t[-1]:.3f} s (CPU {cpp_c[-1]:.3f} s), Python {py_t[-1]:.3f} s (CPU {py_c[-1]:.3f} s)",
              file=sys.stderr)
    c, py = statistics.median(cpp_t), statistics.median(py_t)
    n = len(df)
    print(f"posterior of {n} stars (grid, priors pix0, threads {args.threads or os.cpu_count()}), median of {args.repeats}:")
    print(f"  C++ call       {c:8.3f} s  ({c / n * 1e6:.2f} µs/star)")
    print(f"  locus.posterior{py:8.3f} s  ({py / n * 1e6:.2f} µs/star)")
    print(f"  overhead       {100 * (py / c - 1):+.1f} %  (min/min: {100 * (min(py_t) / min(cpp_t) - 1):+.1f} %)")
    cc, pc = statistics.median(cpp_c), statistics.median(py_c)
    print(f"  CPU time (all threads): C++ {cc:.3f} s, Python {pc:.3f} s, overhead {100 * (pc / cc - 1):+.1f} % "
          f"(min/min: {100 * (min(py_c) / min(cpp_c) - 1):+.1f} %)")
