#!/usr/bin/python3
"""ctest cli/reproduce: `locus reproduce paper000 --small` writes the report, every table and, when
matplotlib is importable, every figure the report shows; the tables' numbers are finite; and on the
small patch the network copies Bayes more closely than Bayes matches the truth (paper 000's central
claim: σ_G of NN − Bayes below σ_G of Bayes − truth for Mr and [Fe/H]). Bad options fail early."""
import math
import os
import re
import subprocess
import sys

sys.dont_write_bytecode = True
from cli_support import *  # noqa: E402,F403

have_mpl = subprocess.run(["/usr/bin/python3", "-c", "import matplotlib"], capture_output=True).returncode == 0
out = path("rep")
p = locus("reproduce", "paper000", "--out", out, "--small", "--data", DATA, "-q", "--json", "-", timeout=280)
j = json_of(p.stdout, "reproduce --json -")
check(j.get("command") == "reproduce" and j.get("report") == os.path.join(out, "report.md"), "the JSON names the report", str(j))
report = open(os.path.join(out, "report.md")).read()
for k in range(1, 8):
    check(f"## {k}." in report, f"the report has section {k}")

tables = ["table1.csv", "recipe.csv", "training_size.csv", "mock_test_stars.csv", "s82_stars.csv", "s82_feh_bins.csv", "timing.csv",
          "toy/toy_ug_uniform_bins.csv"]
for t in tables:
    f = os.path.join(out, t)
    check(os.path.exists(f) and f in j.get("tables", []), f"{t} is written and listed")


def finite(table, cols):
    header, rows = read_csv(table)
    bad = [(r, c) for r in rows for c in cols if not math.isfinite(float(r[header.index(c)]))]
    return not bad and rows, bad[:3]


t1 = read_csv(os.path.join(out, "table1.csv"))
ok, bad = finite(os.path.join(out, "table1.csv"), ["n", "median", "sigma_g", "paper_median", "paper_sigma_g"])
check(len(t1[1]) == 2 * 3 * 3 and ok, "table1.csv: 2 models x 3 comparisons x 3 parameters, finite", str(bad))
ok, bad = finite(os.path.join(out, "training_size.csv"), read_csv(os.path.join(out, "training_size.csv"))[0])
check(ok, "training_size.csv: every number finite", str(bad))
ok, bad = finite(os.path.join(out, "timing.csv"), ["n_stars", "bayes_seconds", "hybrid_seconds"])
check(ok, "timing.csv: finite", str(bad))
s82 = read_csv(os.path.join(out, "s82_stars.csv"))
check(len(s82[1]) == 3981, f"s82_stars.csv: every Stripe 82 star ({len(s82[1])})")


def sg(model, comparison, param):
    h, rows = t1
    for r in rows:
        if r[h.index("generation")] == model and r[h.index("comparison")] == comparison and r[h.index("param")] == param:
            return float(r[h.index("sigma_g")])


for param in ("Mr", "FeH"):
    nb, bt = sg("mixed_ages", "nn_bayes", param), sg("mixed_ages", "bayes_truth", param)
    check(nb < bt, f"paper 000's claim, {param}: sigma_G(NN - Bayes) {nb:.3f} < sigma_G(Bayes - truth) {bt:.3f}")
check(sg("mixed_ages", "bayes_truth", "Mr") > 0.1, "Bayes - truth has a real scatter (the test can fail)")

figures = re.findall(r"!\[(?:[^\]\\]|\\.)*\]\(([^)]+)\)", report)  # alt text with escaped brackets
if have_mpl:
    check(len(figures) >= 24 and all(os.path.getsize(os.path.join(out, f)) > 1000 for f in figures),
          f"every figure the report shows is drawn ({len(figures)})")
    check(not j.get("plot_skipped"), "nothing skipped", str(j.get("plot_skipped")))
else:
    print("note    matplotlib is not importable by /usr/bin/python3: the figures are skipped, and the report says so")
    check(not figures and "was not drawn" in report, "without matplotlib the report says which figures are missing")

# bad options fail before any work
locus("reproduce", "paper999", "--out", path("x"), expect=2, what="an unknown paper: exit 2")
locus("reproduce", "paper000", "--out", path("x"), "--seeds", 0, expect=2, what="--seeds 0: exit 2")
open(path("a_file"), "w").close()
locus("reproduce", "paper000", "--out", path("a_file"), "--small", expect=4, what="--out on a file: exit 4")
p = locus("reproduce", "paper000", "--out", path("y"), "--small", "--data", path("nowhere"), expect=3,
          what="--data without the Stripe 82 files: exit 3")
check("s82_calibstars.csv" in p.stderr and not os.path.exists(path("y")), "the message names the file; nothing written", p.stderr)
finish()
