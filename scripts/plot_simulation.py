#!/usr/bin/python3
"""Figure for docs/simulation.md: a mock patch written by examples/simulate_patch (CSV).

Usage: /usr/bin/python3 scripts/plot_simulation.py PATCH.csv OUT.png
Three panels, coloured by the true [Fe/H]: the observed colour-magnitude diagram (r vs g-r),
the true (dust-free, noise-free) Hess diagram Mr vs g-r, and u-g vs g-r (observed).
"""
import csv
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def load(path, names):
    with open(path, newline="") as f:
        rows = (line for line in f if not line.startswith("#"))
        reader = csv.reader(rows)
        header = next(reader)
        idx = [header.index(n) for n in names]
        data = [[float(r[i]) for i in idx] for r in reader]
    a = np.array(data)
    return {n: a[:, k] for k, n in enumerate(names)}


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    d = load(sys.argv[1], ["rmag", "gr", "ug", "Mr_true", "gr0", "FeH_true", "rErr", "uErr"])
    n = len(d["rmag"])
    rng = np.random.default_rng(0)
    order = rng.permutation(n)  # random drawing order, so no population hides another
    fig, axes = plt.subplots(1, 3, figsize=(15, 5.2))
    kw = dict(c=d["FeH_true"][order], s=0.4, lw=0, cmap="jet", vmin=-2.5, vmax=0.5, rasterized=True)

    ax = axes[0]
    sc = ax.scatter(d["gr"][order], d["rmag"][order], **kw)
    ax.set_xlim(-0.5, 2.0)
    ax.set_ylim(27.7, 14)
    ax.set_xlabel("g − r (observed)")
    ax.set_ylabel("r (observed)")
    ax.set_title(f"Colour–magnitude diagram ({n:,} stars)")

    ax = axes[1]
    ax.scatter(d["gr0"][order], d["Mr_true"][order], **kw)
    ax.set_xlim(-0.3, 1.8)
    ax.set_ylim(16, -2)
    ax.set_xlabel("g − r (true, dust-free)")
    ax.set_ylabel("Mr (true)")
    ax.set_title("True Hess diagram")

    ax = axes[2]
    good = (d["uErr"] < 0.05)[order]
    ax.scatter(d["gr"][order][good], d["ug"][order][good], **{**kw, "c": d["FeH_true"][order][good], "s": 0.8})
    ax.set_xlim(-0.3, 1.8)
    ax.set_ylim(0.4, 3.2)
    ax.invert_yaxis()
    ax.set_xlabel("g − r (observed)")
    ax.set_ylabel("u − g (observed)")
    ax.set_title(f"u − g vs g − r, σ_u < 0.05 ({good.sum():,} stars)")

    cb = fig.colorbar(sc, ax=axes, fraction=0.025, pad=0.01)
    cb.set_label("true [Fe/H]")
    fig.savefig(sys.argv[2], dpi=100, bbox_inches="tight")
    print("wrote", sys.argv[2])


if __name__ == "__main__":
    main()
