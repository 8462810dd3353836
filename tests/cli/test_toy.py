#!/usr/bin/python3
"""ctest cli/toy: `locus toy` writes the toy u-g model's tables with the library's numbers, bit for
bit: every field equals the value tests/cli/toy_ug_reference.cpp computes with toy_ug_sample,
toy_ug_binned_medians and toy_ug_median_vs_error (environment LOCUS_TOY_REFERENCE), formatted
as the tables are (%.5f, %.3f, %.2f). Its text has the median-bias table examples/toy_ug
prints. --plot without matplotlib (a stand-in package that fails to import hides the real one)
writes the tables, says why there are no figures and exits 0; with matplotlib, when this
machine has it, it draws the three figures. An --out that is a file is exit 4, --n 0 exit 2."""
import json
import subprocess
import sys

sys.dont_write_bytecode = True
from cli_support import *  # noqa: E402,F403

N, N30, SEED = 3000, 20000, 7
p = locus("toy", "--out", path("toy"), "--n", N, "--n30", N30, "--seed", SEED, "--json", path("toy.json"))
text = p.stdout
check(f"uniform prior, {N} stars: median [Fe/H] per u-g bin (MC +- error | exact)" in text
      and f"binormal prior, {N} stars" in text, "the text shows the median-bias tables")

if "LOCUS_TOY_REFERENCE" not in os.environ:
    sys.exit("LOCUS_TOY_REFERENCE must name the built tests/cli/toy_ug_reference (ctest sets it)")
ref = subprocess.run([os.environ["LOCUS_TOY_REFERENCE"], str(N), str(N30), str(SEED)], capture_output=True, text=True)
if ref.returncode != 0:
    sys.exit(f"toy_ug_reference failed:\n{ref.stderr}")
ref = json.loads(ref.stdout)


def f(spec, v):  # the tables' printf format; the reference writes NaN (an empty bin's median) as null
    return "nan" if v is None else spec.format(v)


for prior in ("uniform", "binormal"):
    header, rows = read_csv(path("toy", f"toy_ug_{prior}_sample.csv"))
    check(header == ["feh_true", "ug_true", "feh", "ug"], f"{prior} sample: header")
    check(rows == [[f("{:.5f}", v) for v in r] for r in ref[prior]["sample"]], f"{prior} sample: the library's stars")
    header, rows = read_csv(path("toy", f"toy_ug_{prior}_bins.csv"))
    check(header == ["ug_lo", "ug_hi", "count", "median_mc", "median_error", "median_exact"], f"{prior} bins: header")
    want = [[f("{:.3f}", b[0]), f("{:.3f}", b[1]), str(b[2])] + [f("{:.5f}", v) for v in b[3:]] for b in ref[prior]["bins"]]
    check(rows == want, f"{prior} bins: the library's medians")
    lines = ["  u-g {:.2f}-{:.2f}  n={:6d}  {:+.3f} +- {:.3f} | {:+.3f}".format(*b) for b in ref[prior]["bins"] if b[2] >= 100]
    check(lines and all(line in text for line in lines), f"{prior}: the text has every bin with 100 stars or more")
header, rows = read_csv(path("toy", "toy_ug_fig30.csv"))
want = [[q[0], f("{:.2f}", q[1]), f("{:.5f}", q[2]), f("{:.3f}", q[3]), str(q[4])] + [f("{:.5f}", v) for v in q[5:]]
        for q in ref["fig30"]]
check(rows == want, "fig30: the library's medians")
with open(path("toy.json")) as fj:
    s = json.load(fj)
check(s.get("command") == "toy" and len(s.get("tables", [])) == 5 and s.get("figures") is None
      and [b["count"] for b in s["bins"]["uniform"]] == [b[2] for b in ref["uniform"]["bins"]],
      "the JSON summary: five tables, no figures, the bins")

# --plot without matplotlib: the tables, a note, exit 0.
os.makedirs(path("fake_site", "matplotlib"))
with open(path("fake_site", "matplotlib", "__init__.py"), "w") as fm:
    fm.write("raise ImportError('hidden by the test')\n")
env = dict(os.environ, PYTHONPATH=path("fake_site"))
p = subprocess.run([LOCUS, "toy", "--out", path("nompl"), "--n", "500", "--n30", "2000", "--plot"], capture_output=True,
                   text=True, env=env)
check(p.returncode == 0 and "no figures: matplotlib is not importable" in p.stdout,
      "--plot without matplotlib: exit 0, and it says so", p.stdout + p.stderr)
files = os.listdir(path("nompl"))
check(len([n for n in files if n.endswith(".csv")]) == 5 and not any(n.endswith(".png") for n in files),
      "--plot without matplotlib: the five tables, no figure")

# --plot with matplotlib, when this machine has it.
if subprocess.run(["/usr/bin/python3", "-c", "import matplotlib"], capture_output=True).returncode == 0:
    p = locus("toy", "--out", path("plot"), "--n", 500, "--n30", 2000, "--plot", "--figures", path("figs"), "--json", "-")
    j = json_of(p.stdout, "toy --plot --json -")  # the script's own output went to stderr
    figs = [path("figs", f"toy_ug_fig{k}.png") for k in (28, 29, 30)]
    check(j.get("figures") == figs and all(os.path.getsize(g) > 1000 for g in figs), "--plot draws the three figures")
else:
    print("note    matplotlib is not importable here: --plot with figures not tested")

open(path("a_file"), "w").close()
p = locus("toy", "--out", path("a_file"), "--n", 100, "--n30", 100, expect=4, what="--out on a file: exit 4")
check("a_file" in p.stderr, "and the message names it", p.stderr)
locus("toy", "--out", path("toy"), "--n", 0, expect=2, what="--n 0: exit 2")
finish()
