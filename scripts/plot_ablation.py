#!/usr/bin/python3
"""One figure per ablation study, from the CSV that nn::AblationTable::write_csv writes
(columns variant, quantity, mean, std, relative_mean, relative_std, seed_1 ... seed_N).

Usage: /usr/bin/python3 scripts/plot_ablation.py CSV PNG [--epochs E] [--title TEXT]

One panel per metric (every quantity except parameters, inference and training time), each
relative to the reference variant's mean (the first variant in the CSV, = 1): one dot per seed,
the mean as a black bar with ± one standard deviation. A panel whose values span more than a factor 10 gets a log axis. A last
panel shows the parameters, the training time (per epoch with --epochs E) and the inference
time, all relative.
"""
import argparse
import csv

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

TIMINGS = {"parameters", "inference_us_per_1000", "train_seconds"}


def read(path):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    seeds = [k for k in rows[0] if k.startswith("seed_")]
    variants, table = [], {}
    for r in rows:
        if r["variant"] not in variants:
            variants.append(r["variant"])
        vals = np.array([float(r[s]) for s in seeds if r[s] != ""])
        table[(r["variant"], r["quantity"])] = (float(r["mean"]), float(r["std"]), vals)
    quantities = [r["quantity"] for r in rows if r["variant"] == variants[0]]
    return variants, quantities, table


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("csv")
    ap.add_argument("png")
    ap.add_argument("--epochs", type=float, default=None)
    ap.add_argument("--title", default=None)
    a = ap.parse_args()
    variants, quantities, table = read(a.csv)
    ref = variants[0]
    metrics = [q for q in quantities if q not in TIMINGS]
    n = len(metrics) + 1
    cols = n if n <= 4 else (n + 1) // 2
    rows = (n + cols - 1) // cols
    width = max(3.2, 0.32 * len(variants) + 1.2)
    fig, axes = plt.subplots(rows, cols, figsize=(width * cols, 3.6 * rows), squeeze=False)
    x = np.arange(len(variants))
    for ax, q in zip(axes.flat, metrics):
        ref_mean = table[(ref, q)][0]
        means = np.array([table[(v, q)][0] for v in variants]) / ref_mean
        stds = np.array([table[(v, q)][1] for v in variants]) / ref_mean
        ax.errorbar(x, means, yerr=stds, fmt="_", ms=14, mew=1.6, color="k", elinewidth=0.8, capsize=3, zorder=4)
        allv = []
        for i, v in enumerate(variants):
            vals = table[(v, q)][2] / ref_mean
            allv.extend(vals)
            jitter = (np.arange(len(vals)) - (len(vals) - 1) / 2) * 0.08
            ax.plot(i + jitter, vals, "o", ms=3.2, color="C0", zorder=3)
        ax.axhline(1.0, color="k", lw=0.8, ls="--", zorder=2)
        allv = np.array(allv + list(means))
        if allv.min() > 0 and allv.max() / allv.min() > 10:
            ax.set_yscale("log")
        else:
            lo, hi = allv.min(), allv.max()
            pad = 0.08 * (hi - lo if hi > lo else 1)
            ax.set_ylim(max(0, lo - pad) if lo > 0.5 else 0, hi + pad)
        ax.set_title(f"{q} (reference {ref_mean:.4g})", fontsize=9)
        ax.set_ylabel(f"relative to {ref}", fontsize=8)
        ax.set_xticks(x, variants, rotation=60, ha="right", fontsize=8)
    ax = axes.flat[len(metrics)]
    t = np.array([table[(v, "train_seconds")][0] for v in variants])
    inf = np.array([table[(v, "inference_us_per_1000")][0] for v in variants])
    par = np.array([table[(v, "parameters")][0] for v in variants])
    w = 0.28
    per = f"training s / epoch (ref {t[0] / a.epochs:.3g} s)" if a.epochs else f"training s (ref {t[0]:.3g} s)"
    ax.bar(x - w, par / par[0], w, color="C4", label=f"parameters (ref {par[0]:.0f})")
    ax.bar(x, t / t[0], w, color="C1", label=per)
    ax.bar(x + w, inf / inf[0], w, color="C2", label=f"inference (ref {inf[0]:.0f} µs / 1000 rows)")
    ax.axhline(1.0, color="k", lw=0.8, ls="--")
    top = max((par / par[0]).max(), (t / t[0]).max(), (inf / inf[0]).max())
    if top > 10:
        ax.set_yscale("log")
        ax.set_ylim(top=top * 8)  # room for the legend
    else:
        ax.set_ylim(0, top * 1.45)
    ax.set_title("size and time (means)", fontsize=9)
    ax.set_ylabel(f"relative to {ref}", fontsize=8)
    ax.set_xticks(x, variants, rotation=60, ha="right", fontsize=8)
    ax.legend(fontsize=7, loc="upper left")
    for ax in list(axes.flat)[n:]:
        ax.axis("off")
    nseeds = max(len(table[(v, q)][2]) for v in variants for q in metrics)
    fig.suptitle((a.title + ": " if a.title else "") + f"mean ± std (black) and each of {nseeds} seeds (dots), "
                 f"relative to {ref}", fontsize=10)
    fig.tight_layout()
    fig.savefig(a.png, dpi=110)


if __name__ == "__main__":
    main()
