#!/usr/bin/python3
"""ctest cli/pipeline: `locus pipeline` on a small mock. The predictions file has every input row;
its posterior columns on the labelled rows are GridPosterior's for the same stars and KDE priors,
its network columns MomentsModel::load(run record's model).predict's, bit for bit; the run record
holds the evaluation; everything is identical with --threads 1 and 2, from a file or the same
patch simulated in memory, and a rerun resumes every stage."""
import math
import sys

sys.dont_write_bytecode = True
from cli_support import *  # noqa: E402,F403

OPTIONS = ["--bayes-stars", 600, "--check-stars", 200, "--runs", 1, "--sigma-epochs", 20, "-q"]
SMALL = [*OPTIONS, "--epochs", 40]
locus("simulate", "--area", 0.3, "--seed", 1, "-q", "-o", path("mock.csv"))
runs = {}
for threads in (1, 2):
    d = path(f"t{threads}")
    os.mkdir(d)
    p = locus("pipeline", path("mock.csv"), *SMALL, "--threads", threads, "-o", f"{d}/pred.csv", "--run-dir", f"{d}/run",
              "--json", f"{d}/summary.json")
    runs[threads] = d
    check(os.path.exists(f"{d}/summary.json") and p.stdout.startswith("locus pipeline:"),
          f"--threads {threads}: the text summary on stdout and the JSON summary in the file")

a, b = runs[1], runs[2]
for f in ("pred.csv", "run/sample.csv", "run/posterior.csv", "run/priors.csv", "run/model.moments.model",
          "run/model.sigma_b.model", "run/residuals.csv", "run/evaluation.json"):
    ok = os.path.exists(f"{a}/{f}") and os.path.exists(f"{b}/{f}") and file_bytes(f"{a}/{f}") == file_bytes(f"{b}/{f}")
    check(ok, f"{f}: exists and is byte-identical with --threads 1 and 2")

# the predictions file against the library
pred = read_csv(f"{a}/pred.csv")
mock = read_csv(path("mock.csv"))
check(pred[0][:len(mock[0]) - 1] == mock[0][:-1] and pred[0][-1] == "status" and "sample_role" in pred[0],
      "predictions: every input column in order, then nn_*, bayes_*, sample_role, status")
role = [int(float(v)) for v in column(pred, "sample_role")]
n_role = [role.count(k) for k in range(4)]
check(len(role) == len(mock[1]) and n_role[1] + n_role[2] == 600 and n_role[3] == 200 and n_role[2] > 0,
      f"predictions: every row; roles (none, training, validation, check) = {n_role}")
labelled = [i for i, r in enumerate(role) if r]
unlabelled = [i for i, r in enumerate(role) if not r]
compare_tables(pred, mock, "predictions: the input columns", columns=mock[0][:-1])

reference("posterior", path("mock.csv"), path("bayes_ref.csv"), "--priors", "kde")
bayes_cols = [c for c in pred[0] if c.startswith("bayes_")]
compare_tables(pred, read_csv(path("bayes_ref.csv")), "labelled rows: bayes_* vs GridPosterior with KDE priors",
               columns=bayes_cols, rows=labelled)
check(all(math.isnan(float(pred[1][i][pred[0].index("bayes_Mr_mean")])) for i in unlabelled),
      "unlabelled rows: bayes_* are NaN")
reference("predict", path("mock.csv"), f"{a}/run/model", path("nn_ref.csv"))
nn_cols = [c for c in pred[0] if c.startswith("nn_")]
compare_tables(pred, read_csv(path("nn_ref.csv")), "every row: nn_* and status vs MomentsModel::load(run/model).predict",
               columns=nn_cols + ["status"])

# the evaluation and the summary
ev = json_of(open(f"{a}/run/evaluation.json").read(), "evaluation.json")
check(ev.get("has_truth") is True and ev.get("check_rows") == 200 and ev.get("rows") == len(mock[1])
      and all(k in ev for k in ("table", "pull_nn", "sigma_ratio", "nn_truth_by_r", "nn_bayes_by_r", "r_edges")),
      "evaluation.json: rows, check_rows, has_truth, table, pulls, sigma ratios, binned residuals", str(list(ev)))
s = json_of(open(f"{a}/summary.json").read(), "summary.json")
check(s.get("command") == "pipeline" and s.get("rows") == len(mock[1]) and s.get("labelled") == 800
      and s.get("trained_on", 0) + s.get("validated_on", 0) == 600 and s.get("evaluation") == ev
      and sorted(s.get("stages", {})) == ["1-sample", "2-posterior", "3-train", "4-predict", "5-evaluate"]
      and not any(v["resumed"] for v in s["stages"].values()),
      "summary JSON: command, rows, labelled, trained_on + validated_on, the five stages, the evaluation", str(s)[:600])

# a rerun resumes every stage and changes nothing
p = locus("pipeline", path("mock.csv"), *SMALL, "--threads", 1, "-o", f"{a}/pred.csv", "--run-dir", f"{a}/run", "--json", "-")
s = json_of(p.stdout, "rerun --json -")
check(all(v["resumed"] for v in s.get("stages", {"x": {"resumed": False}}).values()) and s.get("evaluation") == ev,
      "a rerun resumes all five stages, same evaluation")
check(file_bytes(f"{a}/pred.csv") == file_bytes(f"{b}/pred.csv"), "a rerun leaves the predictions as they were")

# the same patch simulated in memory gives the same numbers
os.mkdir(path("mem"))
locus("pipeline", *SMALL, "--area", 0.3, "--seed", 1, "-o", path("mem", "pred.csv"), "--run-dir", path("mem", "run"))
compare_tables(read_csv(path("mem", "pred.csv")), pred, "pipeline on the patch in memory vs on its CSV file")
check(file_bytes(path("mem", "run", "evaluation.json")) == file_bytes(f"{a}/run/evaluation.json"),
      "pipeline on the patch in memory: the same evaluation.json")

# FITS predictions (a new output redoes stages 4 and 5 only): the same rows and values
p = locus("pipeline", path("mock.csv"), *SMALL, "--threads", 1, "-o", f"{a}/pred.fits", "--run-dir", f"{a}/run",
          "--json", "-")
st = json_of(p.stdout, "-o .fits --json -").get("stages", {})
check([st.get(k, {}).get("resumed") for k in sorted(st)] == [True, True, True, False, False],
      "-o .fits: stages 1-3 resumed, 4-5 redone", str(st))
reference("convert", f"{a}/pred.fits", path("pred_fits.csv"))
compare_tables(read_csv(path("pred_fits.csv")), pred, "pipeline -o .fits vs its CSV predictions")

# a changed training option redoes training and what follows, and keeps the sample and posterior
p = locus("pipeline", path("mock.csv"), *OPTIONS, "--epochs", 41, "-o", f"{a}/pred41.csv", "--run-dir", f"{a}/run",
          "--json", "-")
st = json_of(p.stdout, "--epochs 41 --json -").get("stages", {})
check([st.get(k, {}).get("resumed") for k in sorted(st)] == [True, True, False, False, False],
      "--epochs changed: stages 1-2 resumed, 3-5 redone", str(st))
check(not temporaries(TMP, a, b, f"{a}/run", f"{b}/run"), "no temporary file left")
finish()
