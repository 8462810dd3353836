#!/usr/bin/python3
"""The two routes of paper 000 on the default mock patch, timed as a user runs them.

  hybrid:    locus pipeline (simulate in memory, Bayes on 10,000 + 2,000 stars, training,
             networks on every star, evaluation)            -- what scripts/reproduce runs
  all-Bayes: locus simulate -o patch.fits, then locus posterior patch.fits --priors kde
             (the grid posterior of every star, written out)
  streaming: locus predict over the same FITS patch with the hybrid run's model

Every command is a fresh process; the wall time of each and its peak RSS (getrusage of the
child) are reported, with the pipeline's own per-stage times from its --json summary.

Usage: bench/pipeline_routes.py [--locus build/apps/locus/locus] [--repeats 3] [--threads 0]
"""
import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

p = argparse.ArgumentParser()
p.add_argument("--locus", default=os.path.join(os.path.dirname(__file__), "..", "build", "apps", "locus", "locus"))
p.add_argument("--repeats", type=int, default=3)
p.add_argument("--threads", type=int, default=0)
args = p.parse_args()
locus = os.path.abspath(args.locus)
if not os.path.exists(locus):
    sys.exit("no locus binary at %s (build the locus_cli target)" % locus)


def run(cmd, cwd):
    """Runs cmd, returns (wall seconds, peak RSS MiB)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    err = proc.stderr.read().decode()
    proc.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit("failed: %s\n%s" % (" ".join(cmd), err))
    return wall, usage.ru_maxrss / 1024.0


threads = ["--threads", str(args.threads)]
rows = {}
with tempfile.TemporaryDirectory() as d:
    for rep in range(args.repeats):
        summary = os.path.join(d, "summary.json")
        w, rss = run([locus, "pipeline", "-q", "--restart", "--run-dir", "run", "--json", summary] + threads, d)
        s = json.load(open(summary))
        rows.setdefault("pipeline (end to end)", []).append((w, rss))
        for stage, v in s["stages"].items():
            rows.setdefault("  stage " + stage, []).append((v["seconds"], None))
        rows.setdefault("  simulate (in memory)", []).append((s["simulate_seconds"], None))
        n = s["rows"]
        w, rss = run([locus, "simulate", "-q", "-o", "patch.fits"] + threads, d)
        rows.setdefault("simulate -o patch.fits", []).append((w, rss))
        w, rss = run([locus, "posterior", "patch.fits", "--priors", "kde", "-q", "-o", "bayes.fits"] + threads, d)
        rows.setdefault("posterior patch.fits (Bayes on every star)", []).append((w, rss))
        w, rss = run([locus, "predict", "patch.fits", "-m", "run/model", "-q", "-o", "nn.fits"] + threads, d)
        rows.setdefault("predict patch.fits (networks on every star)", []).append((w, rss))
        print("repeat %d done" % (rep + 1), file=sys.stderr)

print("Default mock patch: %d stars, threads %s, %d repeats (median wall; peak RSS of the process)." %
      (n, args.threads or "all", args.repeats))
print()
print("| command / stage | wall (s) | peak RSS (MiB) |")
print("|---|---|---|")
for name, v in rows.items():
    wall = statistics.median(x[0] for x in v)
    rss = [x[1] for x in v if x[1] is not None]
    print("| %s | %.2f | %s |" % (name, wall, "%.0f" % max(rss) if rss else ""))
