#!/usr/bin/python3
"""Cross-check of PriorMaps::from_catalog against scipy.stats.gaussian_kde (ctest python/bayes_kde).

The helper tests/python/bayes_kde_dump.cpp prints a fixed random (r, Mr, [Fe/H]) catalogue and
the prior maps locus builds from it for the r bins centred on 15 and 17, with the exact and the
binned KDE. Here scipy's gaussian_kde (Scott's rule, photo-D's get2Dmap) is run on the same bin
selection (|r - centre| < 0.5) and evaluated on photo-D's grid ([Fe/H] linspace(-2.5, 1, 36) x Mr
linspace(17, -2, 96)). Relative to the map's maximum, the exact maps must agree to 1e-10 and the
binned ones to 3e-4 (the binned method's stated tolerance, include/locus/bayes/kde.hpp).
Exits 77 (skipped) when scipy or the helper is missing.
"""
import os
import subprocess
import sys

try:
    import numpy as np
    from scipy.stats import gaussian_kde
except ImportError:
    print("SKIPPED: numpy/scipy not installed for /usr/bin/python3")
    sys.exit(77)

tool = os.path.join(os.environ.get("LOCUS_TOOLS", ""), "bayes_kde_dump")
if not os.path.exists(tool):
    print(f"SKIPPED: helper {tool} not built")
    sys.exit(77)

lines = subprocess.run([tool], check=True, capture_output=True, text=True).stdout.splitlines()
n = int(lines[0])
cat = np.array([[float(v) for v in l.split()] for l in lines[1:1 + n]])
r, mr, feh = cat[:, 0], cat[:, 1], cat[:, 2]
pos = 1 + n
tolerance = {"exact": 1e-10, "binned": 3e-4}
failed = False
while pos < len(lines):
    head = lines[pos].split()
    k, count, method = int(head[1]), int(head[3]), head[5]
    vals = np.array([float(v) for v in lines[pos + 1:pos + 1 + 36 * 96]]).reshape(96, 36)  # Mr ascending
    pos += 1 + 36 * 96
    centre = 14 + 0.5 * k
    sel = (r > centre - 0.5) & (r < centre + 0.5)
    assert sel.sum() == count, (sel.sum(), count)
    kde = gaussian_kde(np.vstack([feh[sel], mr[sel]]))
    fgrid = np.linspace(-2.5, 1.0, 36)
    mgrid = np.linspace(-2.0, 17.0, 96)
    X, Y = np.meshgrid(fgrid, mgrid)
    ref = kde.evaluate(np.vstack([X.ravel(), Y.ravel()])).reshape(96, 36)
    err = np.max(np.abs(vals - ref)) / np.max(ref)
    print(f"{method} KDE, bin {k} (r = {centre}): {count} stars, max |locus - scipy| / max = {err:.2e}"
          f" (tolerance {tolerance[method]:.0e})")
    failed |= not err <= tolerance[method]
if failed:
    print("FAIL: PriorMaps::from_catalog differs from scipy's gaussian_kde")
    sys.exit(1)
print("OK")
