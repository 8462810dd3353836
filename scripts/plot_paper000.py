#!/usr/bin/python3
"""Figures of paper000 (Mrakovčić, Ivezić & Palaversa 2025) from `locus reproduce paper000` CSVs.

Usage: /usr/bin/python3 scripts/plot_paper000.py DIR [FIGDIR]     (FIGDIR defaults to DIR)

Inputs (in DIR; a missing CSV skips its figures) and outputs (PNG, in FIGDIR):
  training_size.csv    -> fig01_training_size
  mock_test_stars.csv  -> fig02_bayes_vs_truth, fig03_05_bayes_truth_maps, fig06_bayes_truth_residuals,
                          fig07_bayes_truth_pulls, fig08_nn_vs_bayes, fig09_11_nn_bayes_maps,
                          fig12_nn_bayes_residuals, fig13_nn_bayes_pulls, fig14_nn_vs_truth,
                          fig15_17_nn_truth_maps, fig18_nn_truth_residuals, fig19_nn_truth_pulls,
                          fig26_sigma_ratios
  s82_stars.csv        -> fig20_s82_nn_vs_bayes, fig20b_s82_feh_saturation, fig21_23_s82_maps,
                          fig24_s82_residuals, fig25_s82_pulls, fig27_s82_sigma_ratios (test stars, role 3)
  timing.csv           -> timing
Uses only numpy and matplotlib (Agg). Exits non-zero, with a traceback, if a figure fails.
"""
import csv
import os
import sys
import traceback
import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.colors import LogNorm  # noqa: E402
from matplotlib.ticker import FormatStrFormatter, NullFormatter  # noqa: E402

PARAMS = [("Mr", r"$M_r$", "mag"), ("Ar", r"$A_r$", "mag"), ("FeH", "[Fe/H]", "dex")]
DPI = 120
warnings.filterwarnings("ignore", category=RuntimeWarning)  # all-NaN slices, empty bins
SG = r"$\sigma_G$"


def _comp(x, y, sig, xname, yname, signame, stems):
    """A comparison: column patterns ({p} = parameter), axis names, pull sigma, output stems."""
    return dict(x=x, y=y, sig=sig, xname=xname, yname=yname, title=f"{yname} − {xname}",
                signame=signame, stems=stems.split())


COMPARISONS = {
    "bayes_truth": _comp("{p}_true", "bayes_{p}", "bayes_{p}_sigma", "truth", "Bayes", r"$\sigma_{\rm Bayes}$",
                         "fig02_bayes_vs_truth fig03_05_bayes_truth_maps fig06_bayes_truth_residuals "
                         "fig07_bayes_truth_pulls"),
    "nn_bayes": _comp("bayes_{p}", "nn_{p}", "nn_{p}_sigma_nn", "Bayes", "NN", r"$\sigma_{\rm NN}$",
                      "fig08_nn_vs_bayes fig09_11_nn_bayes_maps fig12_nn_bayes_residuals fig13_nn_bayes_pulls"),
    "nn_truth": _comp("{p}_true", "nn_{p}", "nn_{p}_sigma", "truth", "NN", r"$\sigma_{\rm total}$",
                      "fig14_nn_vs_truth fig15_17_nn_truth_maps fig18_nn_truth_residuals fig19_nn_truth_pulls"),
}
S82_STEMS = ("fig20_s82_nn_vs_bayes", "fig21_23_s82_maps", "fig24_s82_residuals", "fig25_s82_pulls")


# ---------------------------------------------------------------- helpers
def load_csv(path):
    """Dict column -> array (float where every value parses, else str); '#' lines skipped."""
    with open(path, newline="", encoding="utf-8") as f:
        lines = [ln for ln in f if ln.strip() and not ln.lstrip().startswith("#")]
    rows = list(csv.reader(lines))
    header = [h.strip() for h in rows[0]]
    cols = list(zip(*rows[1:])) if len(rows) > 1 else [()] * len(header)
    out = {}
    for name, col in zip(header, cols):
        try:
            out[name] = np.array([float(v) if v.strip() else np.nan for v in col], dtype=float)
        except ValueError:
            out[name] = np.array([v.strip() for v in col])
    return out


def sigma_g(a):
    a = a[np.isfinite(a)]
    return 0.7413 * np.subtract(*np.percentile(a, [75, 25])) if a.size else np.nan


def median(a):
    a = a[np.isfinite(a)]
    return np.median(a) if a.size else np.nan


def prange(*arrays, lo=0.5, hi=99.5):
    """Percentile range of the finite values of all arrays together, or None if there are none."""
    v = np.concatenate([a[np.isfinite(a)] for a in arrays])
    if v.size == 0:
        return None
    a, b = np.percentile(v, [lo, hi])
    return (a - 0.5, b + 0.5) if b <= a else (a, b)


def no_data(ax):
    ax.text(0.5, 0.5, "no data", ha="center", va="center", transform=ax.transAxes)


def save(fig, figdir, stem):
    path = os.path.join(figdir, stem + ".png")
    fig.savefig(path, dpi=DPI, bbox_inches="tight")
    plt.close(fig)
    print(f"wrote {path}")


def density(ax, x, y, xr, yr, bins=80):
    """Log-scaled 2-D histogram with a 'stars' colour bar; returns False when nothing falls in range."""
    ok = np.isfinite(x) & np.isfinite(y) & (x >= xr[0]) & (x <= xr[1]) & (y >= yr[0]) & (y <= yr[1])
    if not ok.any():
        no_data(ax)
        return False
    *_, im = ax.hist2d(x[ok], y[ok], bins=bins, range=[xr, yr], norm=LogNorm(), cmin=1, cmap="viridis")
    count_bar(ax, im)
    return True


def count_bar(ax, mappable):
    """Colour bar of star counts (log scale) with plain-number tick labels."""
    cb = ax.figure.colorbar(mappable, ax=ax, label="stars")
    cb.ax.yaxis.set_major_formatter(FormatStrFormatter("%g"))
    cb.ax.yaxis.set_minor_formatter(FormatStrFormatter("%g") if cb.vmax / cb.vmin < 30 else NullFormatter())


def binned(x, v, edges, min_count, funcs):
    """Per-bin statistics of v in bins of x (1-D), NaN where fewer than min_count stars."""
    out = np.full((len(funcs), len(edges) - 1), np.nan)
    ok = np.isfinite(x) & np.isfinite(v)
    idx = np.searchsorted(edges, x[ok], side="right") - 1
    idx[x[ok] == edges[-1]] = len(edges) - 2
    vals = v[ok]
    inside = (idx >= 0) & (idx < len(edges) - 1)
    idx, vals = idx[inside], vals[inside]
    order = np.argsort(idx, kind="stable")
    idx, vals = idx[order], vals[order]
    uniq, start, count = np.unique(idx, return_index=True, return_counts=True)
    for u, s, c in zip(uniq, start, count):
        if c >= min_count:
            out[:, u] = [f(vals[s:s + c]) for f in funcs]
    return out


def comparison(d, key):
    """Per parameter: x, y, residual y-x, pull residual/sigma."""
    c = COMPARISONS[key]
    res = {}
    for p, _, _ in PARAMS:
        x, y, s = (d[c[k].format(p=p)] for k in ("x", "y", "sig"))
        with np.errstate(divide="ignore", invalid="ignore"):
            res[p] = dict(x=x, y=y, r=y - x, pull=(y - x) / s)
    return res


# ---------------------------------------------------------------- comparison figures
def fig_one_to_one(comp, c, title, figdir, stem, scatter=False):
    fig, axes = plt.subplots(1, 3, figsize=(17, 5), layout="constrained")
    for ax, (p, lab, unit) in zip(axes, PARAMS):
        v = comp[p]
        rng = prange(v["x"], v["y"])
        if rng is None:
            no_data(ax)
            continue
        if scatter:
            density_scatter(ax, v["x"], v["y"], rng)
        else:
            density(ax, v["x"], v["y"], rng, rng, bins=100)
        ax.plot(rng, rng, "r--", lw=1)
        ax.set(xlim=rng, ylim=rng, aspect="equal", xlabel=f"{lab} ({c['xname']}) [{unit}]",
               ylabel=f"{lab} ({c['yname']}) [{unit}]",
               title=f"{lab}: median {median(v['r']):+.3f}, {SG} {sigma_g(v['r']):.3f} {unit}")
    fig.suptitle(title)
    save(fig, figdir, stem)


def density_scatter(ax, x, y, rng, bins=30):
    """Small markers coloured by the number of stars in their cell of a bins x bins grid."""
    ok = np.isfinite(x) & np.isfinite(y)
    x, y = x[ok], y[ok]
    h, xe, ye = np.histogram2d(x, y, bins=bins, range=[rng, rng])
    ix = np.clip(np.searchsorted(xe, x) - 1, 0, bins - 1)
    iy = np.clip(np.searchsorted(ye, y) - 1, 0, bins - 1)
    dens = np.maximum(h[ix, iy], 1)
    order = np.argsort(dens)
    sc = ax.scatter(x[order], y[order], c=dens[order], s=6, lw=0, cmap="viridis", norm=LogNorm())
    count_bar(ax, sc)


def fig_maps(d, comp, c, title, figdir, stem, nbins=40, min_count=5):
    ug, err = d["ug"], d["ugErr"]
    xr = prange(ug)
    with np.errstate(divide="ignore", invalid="ignore"):
        yr = prange(np.log10(err))  # in dex, for a log y axis
    fig, axes = plt.subplots(3, 3, figsize=(16, 13), layout="constrained")
    if xr is None or yr is None:
        for ax in axes.flat:
            no_data(ax)
    else:
        xe = np.linspace(*xr, nbins + 1)
        ye = np.logspace(*yr, nbins + 1)
        for row, (p, lab, unit) in zip(axes, PARAMS):
            draw_map_row(row, ug, err, comp[p], xe, ye, min_count, lab, unit, c)
    fig.suptitle(f"{title}: medians and {SG} in bins of u−g and its error (bins with ≥ {min_count} stars)")
    save(fig, figdir, stem)


def map2d(x, y, v, xe, ye, min_count, funcs):
    """Statistics of v on the (xe, ye) grid: array (len(funcs), nx, ny)."""
    nx, ny = len(xe) - 1, len(ye) - 1
    ix = np.searchsorted(xe, x, side="right") - 1  # NaN lands past the last edge
    iy = np.searchsorted(ye, y, side="right") - 1
    inside = (ix >= 0) & (ix < nx) & (iy >= 0) & (iy < ny)
    flat = np.where(inside, ix * ny + iy, np.nan)  # one 1-D bin per cell
    stats = binned(flat, v, np.arange(nx * ny + 1) - 0.5, min_count, funcs)
    return stats.reshape(len(funcs), nx, ny)


def draw_map_row(row, ug, err, v, xe, ye, min_count, lab, unit, c):
    est, = map2d(ug, err, v["y"], xe, ye, min_count, [np.median])
    med, sg = map2d(ug, err, v["r"], xe, ye, min_count, [np.median, sigma_g])
    lim = np.nanpercentile(np.abs(med), 98) if np.isfinite(med).any() else 1.0
    panels = [(est, "viridis", None, None, f"median {lab} ({c['yname']})"),
              (med, "RdBu_r", -lim, lim, f"median Δ{lab} ({c['title']})"),
              (sg, "magma", 0, None, f"{SG} of Δ{lab}")]
    for ax, (z, cmap, lo, hi, name) in zip(row, panels):
        im = ax.pcolormesh(xe, ye, np.ma.masked_invalid(z.T), cmap=cmap, vmin=lo, vmax=hi)
        ax.figure.colorbar(im, ax=ax, label=f"{name} [{unit}]")
        ax.set(yscale="log", xlabel="u − g [mag]", ylabel="σ(u − g) [mag]", title=name)


def fig_residuals(d, comp, c, title, figdir, stem, nxbins=25, min_count=20, hbins=60):
    xmr = c["x"].format(p="Mr")
    rows = [(d["umag"], "u [mag]"),
            (d[xmr], f"$M_r$ ({c['xname']}) [mag]"),
            (comp["FeH"]["r"], f"Δ[Fe/H] ({c['title']}) [dex]")]
    fig, axes = plt.subplots(3, 3, figsize=(17, 13), layout="constrained")
    for axrow, (x, xlab) in zip(axes, rows):
        for ax, (p, lab, unit) in zip(axrow, PARAMS):
            residual_panel(ax, x, comp[p]["r"], nxbins, min_count, hbins)
            ax.set(xlabel=xlab, ylabel=f"Δ{lab} [{unit}]")
    fig.suptitle(f"{title}: residuals with running median (solid) and ±{SG} (dashed), "
                 f"{nxbins} bins with ≥ {min_count} stars")
    save(fig, figdir, stem)


def residual_panel(ax, x, r, nxbins, min_count, hbins):
    xr = prange(x, lo=1, hi=99)
    yr = prange(r, lo=1, hi=99)
    if xr is None or yr is None:
        no_data(ax)
        return
    lim = max(abs(yr[0]), abs(yr[1]))
    if not density(ax, x, r, xr, (-lim, lim), bins=hbins):
        return
    edges = np.linspace(*xr, nxbins + 1)
    mid = 0.5 * (edges[1:] + edges[:-1])
    med, sg = binned(x, r, edges, min_count, [np.median, sigma_g])
    ax.plot(mid, med, "r-", lw=1.5)
    ax.plot(mid, med + sg, "r--", lw=1)
    ax.plot(mid, med - sg, "r--", lw=1)
    ax.axhline(0, color="k", lw=0.5)
    ax.set(xlim=xr, ylim=(-lim, lim))


def fig_pulls(comp, c, title, figdir, stem):
    fig, axes = plt.subplots(1, 3, figsize=(16, 4.5), layout="constrained")
    g = np.linspace(-5, 5, 400)
    for ax, (p, lab, unit) in zip(axes, PARAMS):
        pull = comp[p]["pull"]
        pull = pull[np.isfinite(pull)]
        if pull.size:
            ax.hist(pull, bins=80, range=(-5, 5), density=True, histtype="stepfilled", alpha=0.6)
        ax.plot(g, np.exp(-0.5 * g ** 2) / np.sqrt(2 * np.pi), "r-", label="N(0, 1)")
        ax.set(xlim=(-5, 5), xlabel=f"Δ{lab} / {c['signame']}", ylabel="density",
               title=f"{lab}: median {median(pull):+.2f}, {SG} {sigma_g(pull):.2f}")
        ax.legend(loc="upper right")
    fig.suptitle(f"{title}: pulls, residual / {c['signame']}")
    save(fig, figdir, stem)


def fig_sigma_ratios(d, title, figdir, stem):
    fig, axes = plt.subplots(1, 2, figsize=(13, 4.8), layout="constrained")
    bins = np.geomspace(0.1, 10, 101)
    for ax, num, name in [(axes[0], "nn_{p}_sigma", r"$\sigma_{\rm total} / \sigma_B$"),
                           (axes[1], "nn_{p}_sigma_nn", r"$\sigma_{\rm NN} / \sigma_B$")]:
        for p, lab, _ in PARAMS:
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio = d[num.format(p=p)] / d[f"bayes_{p}_sigma"]
            ratio = ratio[np.isfinite(ratio) & (ratio > 0)]
            if ratio.size:
                ax.hist(np.clip(ratio, 0.1, 10), bins=bins, histtype="step", lw=1.5,
                        label=f"{lab}: median {np.median(ratio):.2f}")
        ax.axvline(1, color="k", ls=":")
        ax.set(xscale="log", xlim=(0.1, 10), xlabel=f"{name} (clipped to 0.1–10)", ylabel="stars", title=name)
        if ax.get_legend_handles_labels()[0]:
            ax.legend()
    fig.suptitle(title)
    save(fig, figdir, stem)


# ---------------------------------------------------------------- per-CSV drivers
def plot_training_size(d, figdir):
    size = d["size"]
    sizes = np.unique(size[np.isfinite(size)])
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(14, 5), layout="constrained")
    for col, lab, color in [("loss_nn_truth", "NN vs truth", "C0"), ("loss_bayes_truth", "Bayes vs truth", "C1")]:
        a1.scatter(size, d[col], s=12, color=color, alpha=0.5)
        mean = np.array([np.nanmean(d[col][size == s]) for s in sizes])
        a1.plot(sizes, mean, "-", color=color, label=f"{lab} (mean over seeds)")
        if col == "loss_nn_truth":
            ma = np.array([np.nanmean(mean[max(0, i - 1):i + 2]) for i in range(len(mean))])
            a1.plot(sizes, ma, "--", color="k", label="NN vs truth, moving average (3 sizes)")
    a1.set(xscale="log", xlabel="training set size [stars]", ylabel="weighted loss (Eq. 2)",
           title="Loss vs training size")
    a1.legend()
    for (p, lab, _), color in zip(PARAMS, ["C0", "C2", "C3"]):
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = d[f"sg_nn_bayes_{p}"] / d[f"sg_bayes_truth_{p}"]
        a2.scatter(size, ratio, s=12, color=color, alpha=0.5)
        a2.plot(sizes, [np.nanmean(ratio[size == s]) for s in sizes], "-", color=color, label=lab)
    a2.axhline(0.33, color="k", ls=":", label="goal (Mr, [Fe/H])")
    a2.set(xscale="log", xlabel="training set size [stars]", ylabel=f"{SG}(NN − Bayes) / {SG}(Bayes − truth)",
           title="NN precision relative to the Bayesian scatter")
    a2.legend()
    save(fig, figdir, "fig01_training_size")


def plot_mock(d, figdir):
    n = len(d["umag"])
    for key, c in COMPARISONS.items():
        comp = comparison(d, key)
        title = f"Mock patch, {n:,} test stars: {c['title']}"
        s1, s2, s3, s4 = c["stems"]
        fig_one_to_one(comp, c, title, figdir, s1)
        fig_maps(d, comp, c, title, figdir, s2)
        fig_residuals(d, comp, c, title, figdir, s3)
        fig_pulls(comp, c, title, figdir, s4)
    fig_sigma_ratios(d, f"Mock patch, {n:,} test stars: network σ relative to the Bayesian posterior $\\sigma_B$",
                     figdir, "fig26_sigma_ratios")


def plot_s82(d, figdir):
    role = d["role"]
    test = (role == 3) if role.dtype.kind == "f" else np.isin(np.char.lower(role), ["3", "test"])
    d = {k: v[test] for k, v in d.items()}
    c = COMPARISONS["nn_bayes"]
    comp = comparison(d, "nn_bayes")
    title = f"SDSS Stripe 82, {int(test.sum()):,} test stars: NN − Bayes"
    fig_one_to_one(comp, c, title, figdir, S82_STEMS[0], scatter=True)
    fig_feh_saturation(comp["FeH"], title, figdir)
    fig_maps(d, comp, c, title, figdir, S82_STEMS[1], nbins=15, min_count=3)
    fig_residuals(d, comp, c, title, figdir, S82_STEMS[2], nxbins=10, min_count=10, hbins=25)
    fig_pulls(comp, c, title, figdir, S82_STEMS[3])
    fig_sigma_ratios(d, f"SDSS Stripe 82, {int(test.sum()):,} test stars: network σ relative to the Bayesian "
                     "posterior $\\sigma_B$", figdir, "fig27_s82_sigma_ratios")


def fig_feh_saturation(v, title, figdir):
    fig, ax = plt.subplots(figsize=(7, 6))
    rng = prange(v["x"], v["y"])
    if rng is None:
        no_data(ax)
    else:
        ax.scatter(v["x"], v["y"], s=5, lw=0, color="0.4", alpha=0.6, label="test stars")
        edges = np.arange(np.floor(rng[0] / 0.25) * 0.25, rng[1] + 0.25, 0.25)
        med, = binned(v["x"], v["y"], edges, 5, [np.median])
        ax.plot(0.5 * (edges[1:] + edges[:-1]), med, "r-o", ms=4, label="median NN in 0.25 dex bins")
        ax.plot(rng, rng, "k--", lw=1, label="1:1")
        ax.axhline(-0.5, color="C0", ls=":", label="paper: NN saturates near −0.5")
        ax.set(xlim=rng, ylim=rng)
    ax.set(xlabel="[Fe/H] (Bayes) [dex]", ylabel="[Fe/H] (NN) [dex]",
           title=title.replace(": NN − Bayes", "") + "\n[Fe/H] saturation of the network")
    if rng is not None:
        ax.legend(loc="upper left")
    save(fig, figdir, "fig20b_s82_feh_saturation")


def crossing(n, a, b):
    """N where log a - log b changes sign (log-space interpolation), or None."""
    with np.errstate(divide="ignore", invalid="ignore"):
        diff = np.log(a) - np.log(b)
    ln = np.log(n)
    for i in range(len(n) - 1):
        if np.isfinite(diff[i:i + 2]).all() and diff[i] * diff[i + 1] < 0:
            t = diff[i] / (diff[i] - diff[i + 1])
            return float(np.exp(ln[i] + t * (ln[i + 1] - ln[i])))
    return None


def plot_timing(d, figdir):
    fig, ax = plt.subplots(figsize=(8, 6))
    kind = np.char.lower(d["kind"].astype(str))
    routes = [("bayes_seconds", "Bayes on every star", "C0"),
              ("hybrid_seconds", "hybrid: Bayes on a sample + networks", "C1")]
    m = kind == "model"
    order = np.argsort(d["n_stars"][m])
    n_model = d["n_stars"][m][order]
    for col, lab, color in routes:
        ax.plot(n_model, d[col][m][order], "-", color=color, label=f"{lab} (model)")
        ax.plot(d["n_stars"][kind == "measured"], d[col][kind == "measured"], "o", color=color,
                label=f"{lab} (measured)")
    ax.plot([430000], [4400], "*", ms=15, color="C0", mec="k", label="paper 000: Bayes, 4,400 s")
    ax.plot([430000], [165], "*", ms=15, color="C1", mec="k", label="paper 000: hybrid, 165 s")
    nx = crossing(n_model, d["bayes_seconds"][m][order], d["hybrid_seconds"][m][order])
    if nx is not None:
        ax.axvline(nx, color="k", ls=":")
        rounded = float(f"{nx:.2g}")
        ax.annotate(f"hybrid pays above N ≈ {rounded:,.0f}", (nx, 0.05), xycoords=("data", "axes fraction"),
                    xytext=(5, 0), textcoords="offset points")
    ax.set(xscale="log", yscale="log", xlabel="number of stars", ylabel="time to results [s]",
           title="Time to results: Bayes on every star vs hybrid")
    ax.legend(fontsize=8, loc="upper left")
    save(fig, figdir, "timing")


JOBS = [("training_size.csv", plot_training_size, ["fig01_training_size"]),
        ("mock_test_stars.csv", plot_mock,
         [s for c in COMPARISONS.values() for s in c["stems"]] + ["fig26_sigma_ratios"]),
        ("s82_stars.csv", plot_s82, list(S82_STEMS) + ["fig20b_s82_feh_saturation", "fig27_s82_sigma_ratios"]),
        ("timing.csv", plot_timing, ["timing"])]


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    indir = sys.argv[1]
    figdir = sys.argv[2] if len(sys.argv) == 3 else indir
    os.makedirs(figdir, exist_ok=True)
    failed = False
    for name, func, figs in JOBS:
        path = os.path.join(indir, name)
        if not os.path.exists(path):
            print(f"plot_paper000: skipped {', '.join(figs)}: {path} not found")
            continue
        try:
            func(load_csv(path), figdir)
        except Exception:
            traceback.print_exc()
            print(f"plot_paper000: failed on {path}", file=sys.stderr)
            failed = True
    plt.close("all")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
