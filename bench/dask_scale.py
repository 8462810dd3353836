#!/usr/bin/python3
"""Survey scale on Dask: a mock of N stars in partitions of P rows on a dask.distributed
LocalCluster, through the posterior (every star) and through the hybrid route (posterior on a
10,000-star sample drawn across partitions, networks trained on the driver, model shipped to the
workers, networks on every star). For 1 and 2 worker processes (1 thread each, locus threads=1):
wall time, throughput, peak RSS per worker, and the scaling. docs/performance.md records it.

The partitions are made on the workers (simulate_patch of an area that gives ~P stars, seed k)
and persisted there, as an LSDB/HATS catalogue's partitions would be read; the timed routes
start from the persisted frame. KDE priors come from one partition's truth (written once).

Usage: PYTHONPATH=build/python bench/dask_scale.py [--stars 1e7] [--partition 1e5] [--workers 1,2]
"""
import argparse
import os
import resource
import sys
import tempfile
import time

import dask.dataframe as dd
from dask.distributed import Client, LocalCluster, wait

import locus
import locus.dask as ld

p = argparse.ArgumentParser()
p.add_argument("--stars", type=float, default=1e7)
p.add_argument("--partition", type=float, default=1e5)
p.add_argument("--workers", default="1,2")
p.add_argument("--routes", default="posterior,hybrid")

DENSITY = 442257 / 10.0  # stars per deg² of the default patch (l, b) = (35, 30)
COLS = ["rmag", "rErr", "ug", "gr", "ri", "iz", "ugErr", "grErr", "riErr", "izErr", "Ar", "Mr_true", "Ar_true", "FeH_true"]
def make_part(k, area):
    df = locus.simulate_patch(area=area, seed=1000 + k, threads=1)
    return df[COLS]


def peak_rss(client):
    return max(client.run(lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0).values())


def main():
    args = p.parse_args()
    nparts = int(round(args.stars / args.partition))
    area = args.partition / DENSITY
    tmp = tempfile.mkdtemp(prefix="locus-scale-")
    priors = locus.write_kde_priors(make_part(0, area), os.path.join(tmp, "priors.csv"))
    meta = make_part(0, area).iloc[:0]
    rows = []
    for workers in [int(w) for w in args.workers.split(",")]:
        for route in args.routes.split(","):
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                                   silence_logs=40, memory_limit="10GB")
            client = Client(cluster)
            t0 = time.perf_counter()
            frame = dd.from_map(make_part, range(nparts), area=area, meta=meta).persist()
            wait(frame)
            n = int(frame.map_partitions(len).compute().sum())
            t_make = time.perf_counter() - t0
            rss_data = peak_rss(client)
            t0 = time.perf_counter()
            if route == "posterior":
                res = ld.posterior(frame, priors=priors)
                fitted = int(res["bayes_Mr_mean"].count().compute())
                t_driver = 0.0
                extra = ""
            else:
                pred, model, sample = ld.hybrid(frame, priors=priors, train=10000, seed=1, model_dir=tmp, threads=0)
                t_driver = time.perf_counter() - t0
                fitted = int(pred["nn_Mr"].count().compute())
                extra = (f"sample + posterior + training on the driver {t_driver:.1f} s, networks on the workers "
                         f"{time.perf_counter() - t0 - t_driver:.1f} s; ")
            wall = time.perf_counter() - t0
            rss = peak_rss(client)
            rows.append((route, workers, n, wall, fitted, rss, t_driver))
            print(f"{route:9s} workers {workers}: {n} stars in {wall:.1f} s ({n / wall:,.0f} stars/s), {fitted} with a result; "
                  f"{extra}peak RSS per worker {rss:.0f} MiB (after persisting the data: {rss_data:.0f} MiB); "
                  f"making the partitions {t_make:.1f} s", flush=True)
            client.close()
            cluster.close()

    # hybrid: the driver's part (sample, posterior, training) does not use the workers; the
    # workers' part (networks on every star) is what scales with them
    print("\n| route | workers | stars | wall s | driver s | workers s | stars/s (workers' part) | speed-up of the workers' part | peak RSS/worker MiB |")
    print("|---|---|---|---|---|---|---|---|---|")
    base = {}
    for route, w, n, wall, fitted, rss, t_driver in rows:
        tw = wall - t_driver
        base.setdefault(route, tw)
        print(f"| {route} | {w} | {n:,} | {wall:.1f} | {t_driver:.1f} | {tw:.1f} | {n / tw:,.0f} | {base[route] / tw:.2f}x | {rss:.0f} |")


if __name__ == "__main__":  # the workers are spawned processes that import this file
    main()
