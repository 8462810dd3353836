#!/usr/bin/python3
"""ctest cli/simulate: `locus simulate` writes sim::simulate_patch's catalogue for the same patch
and seed, bit for bit, as CSV and as FITS, with any thread count."""
import sys

sys.dont_write_bytecode = True
from cli_support import *  # noqa: E402,F403

reference("simulate", path("ref.csv"), "--area", 0.2, "--seed", 7)
want = read_csv(path("ref.csv"))
check(len(want[1]) > 1000, f"the reference patch has {len(want[1])} stars")

for threads in (1, 2):
    out = path(f"sim{threads}.csv")
    p = locus("simulate", "--area", 0.2, "--seed", 7, "--threads", threads, "-q", "-o", out, "--json", "-")
    compare_tables(read_csv(out), want, f"simulate --threads {threads} vs simulate_patch")
    j = json_of(p.stdout, "simulate --json -")
    check(j.get("rows") == len(want[1]) and j.get("command") == "simulate" and j.get("output") == out,
          "simulate --json: rows, command, output", str(j))

# another seed is another catalogue
locus("simulate", "--area", 0.2, "--seed", 8, "-q", "-o", path("seed8.csv"))
check(column(read_csv(path("seed8.csv")), "rmag") != column(want, "rmag"), "another seed gives another catalogue")

# FITS: read back through the library, same values
locus("simulate", "--area", 0.2, "--seed", 7, "-q", "-o", path("sim.fits"))
rows = int(reference("convert", path("sim.fits"), path("sim_fits.csv")))
check(rows == len(want[1]), f"simulate -o .fits: {rows} rows")
compare_tables(read_csv(path("sim_fits.csv")), want, "simulate FITS vs simulate_patch")
check(not temporaries(TMP), "no temporary file left", str(temporaries(TMP)))
finish()
