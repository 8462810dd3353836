#!/usr/bin/python3
"""Figures 28-30 of paper 000 (Appendix) from the tables written by examples/toy_ug or `locus toy`.

Usage: /usr/bin/python3 scripts/plot_toy_ug.py TABLE_DIR FIGURE_DIR
Writes toy_ug_fig28.png (uniform prior), toy_ug_fig29.png (binormal prior) and
toy_ug_fig30.png (median [Fe/H] vs assumed u-g error) into FIGURE_DIR.
"""
import csv
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def read(path):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    return {k: np.array([r[k] for r in rows]) for k in rows[0]}


def num(a):
    return a.astype(float)


def fig_bins(tables, prior, title, out):
    s = read(os.path.join(tables, f"toy_ug_{prior}_sample.csv"))
    b = read(os.path.join(tables, f"toy_ug_{prior}_bins.csv"))
    fig, ax = plt.subplots(figsize=(6, 5))
    ax.scatter(num(s["ug"]), num(s["feh"]), s=0.3, c="0.55", alpha=0.5, lw=0, rasterized=True,
               label="simulated stars")
    x = np.linspace(-3.5, 0.5, 300)
    ax.plot(0.84 + 0.34 * 10 ** (0.45 * x), x, "k--", lw=1.2, label="Eq. (A1)")
    cnt = num(b["count"])
    ok = cnt >= 100
    mid = 0.5 * (num(b["ug_lo"]) + num(b["ug_hi"]))
    ax.errorbar(mid[ok], num(b["median_mc"])[ok], yerr=num(b["median_error"])[ok], fmt="o", ms=7,
                mfc="tab:red", mec="k", ecolor="k", label="median [Fe/H] per bin (Monte Carlo)")
    ax.plot(mid[ok], num(b["median_exact"])[ok], "-", color="tab:blue", lw=1.5,
            label="expected median (exact integration)")
    ax.set_xlim(0.6, 1.5)
    ax.set_ylim(-3.6, 0.8)
    ax.set_xlabel("u − g")
    ax.set_ylabel("[Fe/H]")
    ax.set_title(title)
    ax.legend(loc="lower right", fontsize=8, markerscale=1)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)


def fig30(tables, out):
    t = read(os.path.join(tables, "toy_ug_fig30.csv"))
    fig, ax = plt.subplots(figsize=(6, 5))
    markers = {0.89: "o", 0.99: "s", 1.09: "^"}
    colors = {0.89: "tab:blue", 0.99: "tab:green", 1.09: "tab:red"}
    ug = num(t["ug_true"])
    sig = num(t["sigma_ug"])
    for u0, mk in markers.items():
        sel = np.isclose(ug, u0)
        feh_true = num(t["feh_true"])[sel][0]
        ax.axhline(feh_true, color=colors[u0], lw=1, ls=":")
        for prior, filled in (("uniform", False), ("binormal", True)):
            p = sel & (t["prior"] == prior)
            order = np.argsort(sig[p])
            ax.errorbar(sig[p][order], num(t["median_mc"])[p][order], yerr=num(t["median_error"])[p][order],
                        fmt=mk, ms=6, color=colors[u0], mfc=colors[u0] if filled else "white", ls="none",
                        label=f"u−g = {u0:.2f}, {prior}")
            ax.plot(sig[p][order], num(t["median_exact"])[p][order], "-", color=colors[u0], lw=0.8,
                    alpha=0.7)
    ax.set_xlabel("assumed u − g error (mag)")
    ax.set_ylabel("median [Fe/H]")
    ax.set_title("Median [Fe/H] vs u−g error (paper 000 Fig. 30)")
    ax.legend(fontsize=7, ncol=2, loc="upper right")
    ax.set_ylim(-2.15, -0.1)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    tables, figures = sys.argv[1], sys.argv[2]
    os.makedirs(figures, exist_ok=True)
    fig_bins(tables, "uniform", "Uniform [Fe/H] toy model (paper 000 Fig. 28)",
             os.path.join(figures, "toy_ug_fig28.png"))
    fig_bins(tables, "binormal", "Binormal [Fe/H] toy model (paper 000 Fig. 29)",
             os.path.join(figures, "toy_ug_fig29.png"))
    fig30(tables, os.path.join(figures, "toy_ug_fig30.png"))
    print("figures written to", figures)


if __name__ == "__main__":
    main()
