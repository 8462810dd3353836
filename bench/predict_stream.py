#!/usr/bin/python3
"""Streaming `locus predict` over a catalogue of about 10^7 rows: rows/s and peak RSS.

Makes a ~230 deg² mock patch (about 10^7 stars, 38 columns) as FITS and as CSV (7 significant
digits), a model from a short `locus pipeline` run, then times `locus predict` from each
format to each format as fresh processes and reads each one's peak RSS (getrusage of the
child). The goal is memory bounded by the block size (--block-rows), not by the catalogue.

Usage: bench/predict_stream.py [--locus build/apps/locus/locus] [--area 230] [--dir DIR]
The catalogues take ~3 GB (FITS) and ~4 GB (CSV) of disk in DIR (default: a temporary dir).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

p = argparse.ArgumentParser()
p.add_argument("--locus", default=os.path.join(os.path.dirname(__file__), "..", "build", "apps", "locus", "locus"))
p.add_argument("--area", type=float, default=230.0)
p.add_argument("--dir", default=None)
p.add_argument("--block-rows", type=int, default=65536)
args = p.parse_args()
locus = os.path.abspath(args.locus)


def run(cmd, cwd):
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    out, err = proc.stdout.read().decode(), proc.stderr.read().decode()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit("failed: %s\n%s%s" % (" ".join(cmd), out, err))
    return wall, usage.ru_maxrss / 1024.0, out


def bench(d):
    print("simulating %.0f deg² ..." % args.area, file=sys.stderr)
    _, _, _ = run([locus, "simulate", "-q", "--area", str(args.area), "-o", "big.fits"], d)
    _, _, _ = run([locus, "simulate", "-q", "--area", str(args.area), "--digits", "7", "-o", "big.csv"], d)
    _, _, _ = run([locus, "pipeline", "-q", "--area", "1", "--bayes-stars", "3000", "--check-stars", "500",
                   "--epochs", "100", "--runs", "1", "--run-dir", "run"], d)
    rows = []
    for src, dst, extra in [("big.fits", "nn.fits", []), ("big.csv", "nn.csv", ["--digits", "7"]),
                            ("big.fits", "nn2.csv", ["--digits", "7"])]:
        for threads in ("1", "2"):
            wall, rss, out = run([locus, "predict", src, "-m", "run/model", "-q", "-o", dst, "--json", "-",
                                  "--threads", threads, "--block-rows", str(args.block_rows)] + extra, d)
            n = json.loads(out)["rows"]
            rows.append((src, dst, threads, n, wall, rss))
            os.remove(os.path.join(d, dst))
            print("%s -> %s, %s threads: %.1f s" % (src, dst, threads, wall), file=sys.stderr)
    sizes = {f: os.path.getsize(os.path.join(d, f)) / 2**30 for f in ("big.fits", "big.csv")}
    print("locus predict over %d rows (input FITS %.2f GiB, CSV %.2f GiB), --block-rows %d:" %
          (rows[0][3], sizes["big.fits"], sizes["big.csv"], args.block_rows))
    print()
    print("| input → output | threads | wall (s) | rows/s | peak RSS (MiB) |")
    print("|---|---|---|---|---|")
    for src, dst, threads, n, wall, rss in rows:
        print("| %s → %s | %s | %.1f | %.3g | %.0f |" % (src.split(".")[-1], dst.split(".")[-1], threads, wall, n / wall, rss))


if args.dir:
    os.makedirs(args.dir, exist_ok=True)
    bench(args.dir)
else:
    with tempfile.TemporaryDirectory() as d:
        bench(d)
