#!/usr/bin/python3
"""Cross-check of locus::sim against scipy.integrate (ctest python/sim_scipy).

Recomputes, independently of the C++ quadratures, with scipy.integrate.quad and
scipy.optimize.brentq:
- GalaxyModel::expected_count: Ω ∫ dMr Φ(Mr) ∫ d² shape_c(d) dd over the box and the
  magnitude limit Mr + 5 log10(d/10) < m_lim, with the Jurić et al. (2008) densities written
  out again here and the LF read from the shipped galfast file (outer integral: 2-point
  Gauss–Legendre on every LF segment, exact for the piecewise-linear LF; inner: quad);
  relative agreement 1e-4;
- DustLayer::fraction: the ratio of two quad integrals of the layer; agreement 1e-7;
- the toy u−g exact medians (bin and point), by quad for the CDF and brentq for the median;
  agreement 2e-4 dex.
Exits 77 (skipped) when scipy is missing.
"""
import json
import math
import os
import subprocess
import sys

try:
    import numpy as np
    from scipy import integrate, optimize, special
except ImportError:
    print("SKIPPED: numpy/scipy not installed for /usr/bin/python3")
    sys.exit(77)

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")
tools = os.environ.get("LOCUS_TOOLS")
exe = os.path.join(tools, "sim_reference_dump") if tools else None
if not exe or not os.path.exists(exe):
    print("SKIPPED: sim_reference_dump not built (LOCUS_TOOLS unset or missing)")
    sys.exit(77)
ref = json.loads(subprocess.run([exe], check=True, capture_output=True, text=True).stdout)

lf = np.loadtxt(os.path.join(ROOT, "include", "locus", "sim", "data", "MrLF.MSandRGB_v1.0.dat"))
LF_MR, LF_PHI = lf[:, 0], lf[:, 1]

PARAMS = {
    "biased": dict(thin=(2150, 245), thick=(3261, 743, 0.13)),
    "corrected": dict(thin=(2600, 300), thick=(3600, 900, 0.12)),
}
R_SUN, Z_SUN, N_H, Q_H, F_H, R_MAX = 8000.0, 25.0, 2.77, 0.64, 0.0051, 1e5


def shape(model, comp, l_deg, b_deg, d):
    l, b = math.radians(l_deg), math.radians(b_deg)
    x = R_SUN - d * math.cos(b) * math.cos(l)
    y = -d * math.cos(b) * math.sin(l)
    z = Z_SUN + d * math.sin(b)
    R = math.hypot(x, y)
    p = PARAMS[model]
    if comp == 0:
        L, H = p["thin"]
        return math.exp(-(R - R_SUN) / L - abs(z) / H)
    if comp == 1:
        L, H, f = p["thick"]
        return f * math.exp(-(R - R_SUN) / L - abs(z) / H)
    if math.hypot(R, z) > R_MAX:
        return 0.0
    return F_H * (R_SUN / max(1.0, math.hypot(R, z / Q_H))) ** N_H


def expected(q):
    omega = q["area"] * (math.pi / 180) ** 2
    gl = np.array([-1, 1]) / math.sqrt(3.0)
    total = 0.0
    for i in range(len(LF_MR) - 1):
        a, b = LF_MR[i], LF_MR[i + 1]
        lo, hi = max(a, q["mr_lo"]), min(b, q["mr_hi"])
        if hi <= lo:
            continue
        for t in gl:
            mr = 0.5 * (lo + hi) + 0.5 * (hi - lo) * t
            phi = np.interp(mr, LF_MR, LF_PHI)
            d_cap = min(q["d_hi"], 10 ** ((q["m_lim"] - mr) / 5 + 1))
            if d_cap <= q["d_lo"]:
                continue
            inner, _ = integrate.quad(lambda d: d * d * shape(q["model"], q["component"], q["l"], q["b"], d),
                                      q["d_lo"], d_cap, epsrel=1e-9, limit=200)
            total += 0.5 * (hi - lo) * phi * inner
    return omega * total


def dust_fraction(b_deg, d, h=100.0, z0=25.0):
    sb = math.sin(math.radians(b_deg))
    f = lambda s: math.exp(-abs(z0 + s * sb) / h)
    pts = [z0 / -sb] if sb < 0 else None
    far = 60 * h / abs(sb) + (z0 / abs(sb) if sb < 0 else 0)
    num = integrate.quad(f, 0, d, points=[p for p in (pts or []) if 0 < p < d] or None, limit=200, epsabs=0, epsrel=1e-11)[0]
    den = integrate.quad(f, 0, far, points=[p for p in (pts or []) if 0 < p < far] or None, limit=400, epsabs=0, epsrel=1e-11)[0]
    return num / den


def prior_pdf(prior, x):
    if prior == "uniform":
        return (1 / 3.0) if -3 <= x <= 0 else 0.0
    g = lambda m, s: math.exp(-0.5 * ((x - m) / s) ** 2) / (s * math.sqrt(2 * math.pi))
    return 0.5 * g(-1.5, 0.3) + 0.5 * g(-0.5, 0.2)


def color(x):
    return 0.84 + 0.34 * 10 ** (0.45 * x)


def toy_median(t, selection):
    lo, hi = (-3.0, 0.0) if t["prior"] == "uniform" else (-3.9, 1.1)
    sf = t["sigma_feh"]
    w = lambda x: prior_pdf(t["prior"], x) * selection(x)
    brk = list(np.linspace(lo, hi, 41)[1:-1])
    den = integrate.quad(w, lo, hi, points=brk, limit=400, epsabs=0, epsrel=1e-10)[0]

    def cdf(v):
        return integrate.quad(lambda x: w(x) * special.ndtr((v - x) / sf), lo, hi, points=brk, limit=400,
                              epsabs=0, epsrel=1e-10)[0] / den - 0.5

    return optimize.brentq(cdf, lo - 1, hi + 1, xtol=1e-9)


failures = 0
worst = 0.0
for q in ref["counts"]:
    e = expected(q)
    rel = abs(q["value"] - e) / e if e > 0 else abs(q["value"])
    worst = max(worst, rel)
    if rel > 1e-4:
        failures += 1
        print(f"counts mismatch {q}: scipy {e}")
print(f"expected_count: {len(ref['counts'])} values, worst relative difference {worst:.2e}")

worst = 0.0
for q in ref["dust"]:
    e = dust_fraction(q["b"], q["d"])
    diff = abs(q["value"] - e)
    worst = max(worst, diff)
    if diff > 1e-7:
        failures += 1
        print(f"dust mismatch {q}: scipy {e}")
print(f"DustLayer::fraction: {len(ref['dust'])} values, worst difference {worst:.2e}")

worst = 0.0
for t in ref["toy"]:
    su = t["sigma_ug"]
    in_bin = lambda x: special.ndtr((t["hi"] - color(x)) / su) - special.ndtr((t["lo"] - color(x)) / su)
    at = lambda x: math.exp(-0.5 * ((t["ug"] - color(x)) / su) ** 2)
    for key, sel in (("bin", in_bin), ("at", at)):
        e = toy_median(t, sel)
        diff = abs(t[key] - e)
        worst = max(worst, diff)
        if diff > 2e-4:
            failures += 1
            print(f"toy {key} mismatch {t}: scipy {e}")
print(f"toy u-g exact medians: {2 * len(ref['toy'])} values, worst difference {worst:.2e} dex")

if failures:
    print(f"FAILED: {failures} mismatches")
    sys.exit(1)
print("OK")
