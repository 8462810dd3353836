#!/usr/bin/python3
"""ctest cli/posterior: `locus posterior` (grid and MCMC, CSV and FITS, any thread count and block
size) writes, for every row, what bayes::GridPosterior / bayes::mcmc_posterior give for the same
stars, bit for bit; rows the engine cannot fit keep their place with status bits and NaN."""
import math
import sys

sys.dont_write_bytecode = True
from cli_support import *  # noqa: E402,F403

POOR_FIT, MISSING, BAD_ERROR, NO_FIT = 1 << 16, 1, 4, 8

# ---- the real Stripe 82 stars, photo-D's priors: string ids, poor fits ----------------------
reference("posterior", S82, path("s82_ref.csv"), "--priors", S82_PRIORS)
want = read_csv(path("s82_ref.csv"))
p = locus("posterior", S82, "-o", path("s82.csv"), "--priors", S82_PRIORS, "-q", "--threads", 2, "--json", "-")
got = read_csv(path("s82.csv"))
check(got[0] == want[0], "S82: the columns and their order", f"{got[0]} != {want[0]}")
compare_tables(got, want, "S82 grid posterior vs GridPosterior")
check(got[0][0] == "CALIBSTARS" and got[1][0][0].startswith("CALIBSTARS_"), "S82: the string id column is kept")
status = [int(s) for s in column(got, "status")]
poor = sum(1 for s in status if s & POOR_FIT)
check(len(status) == 3981 and poor > 0, f"S82: all 3981 rows written, {poor} flagged poor_fit (not dropped)")
j = json_of(p.stdout, "posterior --json -")
check(j.get("rows") == 3981 and j.get("fitted") == 3981 and j.get("flags", {}).get("poor_fit") == poor
      and "seconds" in j and j.get("command") == "posterior", "posterior --json: rows, fitted, flags, seconds", str(j)[:500])

# ---- a mock patch with bad rows, --on-missing flag, KDE priors --------------------------------
locus("simulate", "--area", 0.1, "--seed", 3, "-q", "-o", path("mock.csv"))
src = path("mock.csv")
bad = [(3, "gr", "-99"), (5, "ug", "nan"), (7, "rmag", ""), (9, "grErr", "-0.01"), (11, "Ar", "-99"), (13, "izErr", "NA")]
for k, (row, col, value) in enumerate(bad):
    dst = path(f"mock_bad{k}.csv")
    rewrite_field(src, dst, row, col, value)
    src = dst
reference("posterior", src, path("mock_ref.csv"), "--priors", "kde")
want = read_csv(path("mock_ref.csv"))
locus("posterior", src, "-o", path("mock_flag.csv"), "--priors", "kde", "--on-missing", "flag", "-q")
got = read_csv(path("mock_flag.csv"))
check(got[0] == want[0], "mock: the columns and their order")
compare_tables(got, want, "mock grid posterior (KDE priors, flagged rows) vs GridPosterior")
status = [int(s) for s in column(got, "status")]
mean = column(got, "bayes_Mr_mean")
for row, col, value in bad:
    s = status[row - 1]
    want_bit = BAD_ERROR if value == "-0.01" else MISSING
    check(s & want_bit and s & NO_FIT and math.isnan(float(mean[row - 1])),
          f"mock row {row} ({col} = {value!r}): kept, status {s} has {'bad_error' if want_bit == BAD_ERROR else 'missing_value'}"
          " and no_fit, NaN summaries")
# default --on-missing error stops on the first one
p = locus("posterior", src, "-o", path("mock_err.csv"), "--priors", "kde", "-q", expect=3)
check("data row 3" in p.stderr and "'gr'" in p.stderr and "mock_bad" in p.stderr,
      "--on-missing error names file, row and column", p.stderr)

# block size and threads do not change the numbers
locus("posterior", src, "-o", path("mock_blocks.csv"), "--priors", "kde", "--on-missing", "flag", "-q",
      "--block-rows", 500, "--threads", 1)
compare_tables(read_csv(path("mock_blocks.csv")), want, "mock grid posterior, --block-rows 500 --threads 1")

# FITS output
locus("posterior", src, "-o", path("mock.fits"), "--priors", "kde", "--on-missing", "flag", "-q")
rows = int(reference("convert", path("mock.fits"), path("mock_fits.csv")))
check(rows == len(want[1]), f"posterior -o .fits: {rows} rows")
compare_tables(read_csv(path("mock_fits.csv")), want, "mock grid posterior as FITS vs GridPosterior")

# flat priors
reference("posterior", src, path("flat_ref.csv"), "--priors", "flat")
locus("posterior", src, "-o", path("flat.csv"), "--priors", "flat", "--on-missing", "flag", "-q")
compare_tables(read_csv(path("flat.csv")), read_csv(path("flat_ref.csv")), "flat priors vs GridPosterior")

# --refine: what GridPosterior with GridOptions::refine gives, and not the node grid's numbers
reference("posterior", src, path("refine_ref.csv"), "--priors", "kde", "--refine", 1)
locus("posterior", src, "-o", path("refine.csv"), "--priors", "kde", "--on-missing", "flag", "-q", "--refine", "--threads", 2)
got = read_csv(path("refine.csv"))
compare_tables(got, read_csv(path("refine_ref.csv")), "--refine vs GridPosterior(refine)")
changed = sum(1 for a, b in zip(column(got, "bayes_Mr_sigma"), column(want, "bayes_Mr_sigma")) if a != b)
check(changed > len(want[1]) // 2, f"--refine changes the node grid's sigma_Mr on {changed} of {len(want[1])} rows")
p = locus("posterior", src, "-o", path("refine_bad.csv"), "--priors", "kde", "--refine", "--grid-mode", "brute_force", "-q", expect=2)
check("--refine needs" in p.stderr, "--refine with brute_force is refused with a clear message", p.stderr)

# ---- MCMC -----------------------------------------------------------------------------------
head(src, path("small.csv"), 400)
mc = ["--walkers", 4, "--steps", 60, "--burn-in", 20, "--mcmc-seed", 5]
reference("posterior", path("small.csv"), path("mcmc_ref.csv"), "--priors", "kde", "--engine", "mcmc", *mc)
want = read_csv(path("mcmc_ref.csv"))
for threads, block in ((1, 65536), (2, 64)):
    out = path(f"mcmc{threads}.csv")
    locus("posterior", path("small.csv"), "-o", out, "--priors", "kde", "--engine", "mcmc", *mc, "--on-missing", "flag",
          "-q", "--threads", threads, "--block-rows", block)
    got = read_csv(out)
    check(got[0] == want[0], f"mcmc --threads {threads}: the columns (bayes_acceptance, bayes_tau_*)")
    compare_tables(got, want, f"mcmc --threads {threads} --block-rows {block} vs mcmc_posterior")
check(not temporaries(TMP), "no temporary file left", str(temporaries(TMP)))
finish()
