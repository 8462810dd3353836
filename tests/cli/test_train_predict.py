#!/usr/bin/python3
"""ctest cli/train_predict: `locus train` writes model files that nn::MomentsModel::load reads (the
same files with any thread count), and `locus predict` writes, for every row, what
MomentsModel::load(...).predict gives for the same stars, bit for bit (CSV and FITS, any thread
count and block size); rows without all ten inputs keep their place with NaN and no_fit."""
import math
import os
import shutil
import sys

sys.dont_write_bytecode = True
from cli_support import *  # noqa: E402,F403

MISSING, NO_FIT = 1, 8

locus("simulate", "--area", 0.1, "--seed", 4, "-q", "-o", path("mock.csv"))
locus("posterior", path("mock.csv"), "-o", path("labelled.csv"), "--priors", "kde", "-q")
train = ["--epochs", 30, "--runs", 1, "--sigma-epochs", 10, "--batch", 256, "-q"]
p = locus("train", path("labelled.csv"), "-m", path("m1"), *train, "--threads", 1, "--json", "-")
j = json_of(p.stdout, "train --json -")
n = len(read_csv(path("mock.csv"))[1])
check(j.get("command") == "train" and j.get("train_rows", 0) + j.get("validation_rows", 0) == n and j.get("epochs") == 30
      and j.get("model") == [path("m1.moments.model"), path("m1.sigma_b.model")],
      "train --json: command, train_rows + validation_rows = rows, epochs, model files", str(j))
locus("train", path("labelled.csv"), "-m", path("m2"), *train, "--threads", 2)
for f in ("moments", "sigma_b"):
    check(file_bytes(path(f"m1.{f}.model")) == file_bytes(path(f"m2.{f}.model")),
          f"train: the {f} model file is byte-identical with --threads 1 and 2")

# the two files are a pair: a sigma_B file from another training, or none, is refused (a kill between
# the two writes must not give predictions with a wrong or missing sigma_B)
locus("train", path("labelled.csv"), "-m", path("other"), "--epochs", 3, "--runs", 1, "--sigma-epochs", 2, "-q")
shutil.copyfile(path("m1.moments.model"), path("mixed.moments.model"))
shutil.copyfile(path("other.sigma_b.model"), path("mixed.sigma_b.model"))
p = locus("predict", path("mock.csv"), "-m", path("mixed"), "-o", path("mixed.csv"), "-q", expect=3)
check("was not saved with the moments network" in p.stderr and not os.path.exists(path("mixed.csv")),
      "predict refuses a sigma_B file from another training, and writes nothing", p.stderr)
os.remove(path("mixed.sigma_b.model"))
p = locus("predict", path("mock.csv"), "-m", path("mixed"), "-o", path("mixed.csv"), "-q", expect=3)
check("mixed.sigma_b.model' is missing" in p.stderr and not os.path.exists(path("mixed.csv")),
      "predict refuses a moments network whose sigma_B file is missing, and writes nothing", p.stderr)

# predict: the mock, the mock with unusable rows (--on-missing flag), the real S82 stars
rewrite_field(path("mock.csv"), path("bad1.csv"), 2, "riErr", "-99")
rewrite_field(path("bad1.csv"), path("bad.csv"), 6, "rmag", "nan")
for name, src, extra in (("mock", path("mock.csv"), []), ("flagged", path("bad.csv"), ["--on-missing", "flag"]),
                         ("s82", S82, [])):
    reference("predict", src, path("m1"), path(f"{name}_ref.csv"))
    want = read_csv(path(f"{name}_ref.csv"))
    for threads, block in ((1, 65536), (2, 700)):
        out = path(f"{name}_{threads}.csv")
        p = locus("predict", src, "-m", path("m1"), "-o", out, "-q", "--threads", threads, "--block-rows", block, *extra,
                  "--json", "-")
        got = read_csv(out)
        check(got[0] == want[0], f"predict {name}: the columns and their order", f"{got[0]} != {want[0]}")
        compare_tables(got, want, f"predict {name} --threads {threads} --block-rows {block} vs MomentsModel::predict")
    j = json_of(p.stdout, "predict --json -")
    check(j.get("rows") == len(want[1]) and "fitted" in j and "flags" in j and "seconds" in j,
          f"predict {name} --json: rows, fitted, flags, seconds", str(j))
    if name == "flagged":
        status = [int(s) for s in column(got, "status")]
        mu = column(got, "nn_Mr")
        for row in (2, 6):
            check(status[row - 1] & MISSING and status[row - 1] & NO_FIT and math.isnan(float(mu[row - 1])),
                  f"predict: row {row} with a missing input is kept with missing_value|no_fit and NaN")
        check(j.get("fitted") == len(want[1]) - 2 and j.get("flags", {}).get("no_fit") == 2,
              "predict --json counts the two unfitted rows", str(j))

# a NaN outside the star columns is data, not a missing input: it flags nothing
rewrite_field(path("mock.csv"), path("extra1.csv"), 3, "Mr_node", "nan")
rewrite_field(path("extra1.csv"), path("extra.csv"), 4, "distance", "")
p = locus("predict", path("extra.csv"), "-m", path("m1"), "-o", path("extra_pred.csv"), "-q", "--json", "-")
flags = json_of(p.stdout, "predict --json -").get("flags")
status = column(read_csv(path("extra_pred.csv")), "status")[2:4]
check(flags == {} and status == ["0", "0"], "predict: a NaN in a column that is no input flags nothing",
      f"flags {flags}, status {status}")

locus("predict", path("mock.csv"), "-m", path("m1"), "-o", path("pred.fits"), "-q")
rows = int(reference("convert", path("pred.fits"), path("pred_fits.csv")))
check(rows == len(read_csv(path("mock_ref.csv"))[1]), f"predict -o .fits: {rows} rows")
compare_tables(read_csv(path("pred_fits.csv")), read_csv(path("mock_ref.csv")), "predict as FITS vs MomentsModel::predict")
check(not temporaries(TMP), "no temporary file left", str(temporaries(TMP)))
finish()
