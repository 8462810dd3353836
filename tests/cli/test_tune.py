#!/usr/bin/python3
"""ctest cli/tune: `locus tune` on the S82 stars labelled by `locus posterior`. Hyperband and
Bayesian optimisation finish with a best configuration that is in the space (best.json and the
JSON summary agree; the same seed finds the same best); a run stopped by Ctrl-C exits 130 with
its journal whole, and the same command then resumes and ends exactly as an uninterrupted run;
a journal of another run is refused; bad search spaces (exit 2), a catalogue without the bayes_*
columns (exit 3) and an --out in a missing directory (exit 4) fail with messages that name
the file and the parameter or column."""
import json
import math
import sys

sys.dont_write_bytecode = True
from cli_support import *  # noqa: E402,F403

SPACE = {
    "architecture": {"max_layers": 2, "max_units": 8, "activations": ["gelu", "tanh"]},
    "parameters": [{"name": "learning_rate", "type": "float", "low": 0.003, "high": 0.03, "log": True}],
}
DOCUMENTED_SPACE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "examples", "tune_space.json")

locus("posterior", S82, "--priors", S82_PRIORS, "-o", path("labelled.csv"), "-q")
with open(path("space.json"), "w") as f:
    json.dump(SPACE, f)
TUNE = ["tune", path("labelled.csv"), "--space", path("space.json"), "-q"]


def journal_text(file):
    with open(file) as f:
        return f.read()


# Hyperband: R = 9, eta = 3 is 17 models and, promoted trials continuing, 69 epochs.
p = locus(*TUNE, "--threads", 1, "--max-epochs", 9, "--batch", 256, "--out", path("best.json"), "--json", path("summary.json"))
check("leaderboard:" in p.stdout and "| rank | trial | loss |" in p.stdout, "hyperband: the text shows the leaderboard")
with open(path("best.json")) as f:
    best = json.load(f)
with open(path("summary.json")) as f:
    summary = json.load(f)
cfg = best.get("configuration", {})
check(math.isfinite(best.get("loss", math.nan)) and best.get("method") == "hyperband" and best.get("epochs") == 9,
      "best.json: a finite loss, the method, the epochs of the best trial", str(best))
check(1 <= cfg.get("layers", 0) <= 2 and 0.003 <= cfg.get("learning_rate", 0) <= 0.03
      and all(cfg.get(f"activation_{k}") in ("gelu", "tanh") for k in range(1, cfg.get("layers", 0) + 1)),
      "best.json: the configuration is in the space", str(cfg))
check(len(best.get("layers", [])) == cfg.get("layers", 0) + 1 and best["layers"][-1] == {"units": 6, "activation": "linear"},
      "best.json: the hidden layers and the 6-unit linear output", str(best.get("layers")))
check(summary.get("best") == best, "the summary's best is best.json")
check(summary.get("models") == 17 and summary.get("evaluations_run") == 22 and summary.get("epochs_trained") == 69,
      "hyperband: 17 models, 22 evaluations, 69 epochs", str(summary))
check(len(summary.get("leaderboard", [])) == 10 and summary["leaderboard"][0]["loss"] == best.get("loss"),
      "the summary's leaderboard starts with the best")
lab_header, lab_rows = read_csv(path("labelled.csv"))
POOR_FIT = 1 << 16  # io::status::poor_fit: no model colour fits, not a training label
usable = sum(1 for r in lab_rows if not int(r[lab_header.index("status")]) & POOR_FIT)
check(usable == len(read_csv(S82)[1]) - 50 and summary.get("train_rows", 0) + summary.get("validation_rows", 0) == usable,
      "every labelled star but the 50 poor fits is used", str(usable))
p = locus(*TUNE, "--threads", 2, "--max-epochs", 9, "--batch", 256, "--json", "-")
check(json_of(p.stdout, "tune --json -").get("best", {}).get("loss") == best.get("loss"),
      "the same seed finds the same best, with 2 threads too")

# Bayesian optimisation.
p = locus(*TUNE, "--method", "bo", "--trials", 6, "--initial", 4, "--epochs", 6, "--patience", 2, "--batch", 256,
          "--json", "-")
j = json_of(p.stdout, "tune --method bo --json -")
check(j.get("models") == 6 and j.get("best", {}).get("method") == "bo" and j.get("epochs_trained", 99) <= 36,
      "bo: 6 models of at most 6 epochs", str(j))

# The space docs/tuning.md shows.
locus("tune", path("labelled.csv"), "--space", DOCUMENTED_SPACE, "-q", "--max-epochs", 3, "--batch", 256,
      what="examples/tune_space.json works")

# Ctrl-C keeps the journal; the same command resumes and ends as an uninterrupted run (the
# interrupted run trains two trials at a time, the others one: results do not depend on it).
SLOW = [*TUNE, "--max-epochs", 27, "--batch", 2]  # about a second; its first trials take milliseconds
journal, best2 = path("hb.jsonl"), path("best2.json")
run = start(*SLOW, "--threads", 2, "--journal", journal, "--out", best2)
trials = lambda: os.path.exists(journal) and journal_text(journal).count("\n") >= 4  # noqa: E731 (identity + 3 trials)
if check(wait_for(trials, 60, proc=run) and run.poll() is None, "the slow run is interrupted after 3 trials, before its end"):
    run.send_signal(SIGINT)
    _, err = run.communicate(timeout=60)
    check(run.returncode == 130, "Ctrl-C: exit 130", err)
    check(not os.path.exists(best2) and not temporaries(TMP), "Ctrl-C: no best.json, no temporary file")
    text = journal_text(journal)
    check(text.endswith("\n"), "Ctrl-C: the journal ends with a whole line")
    records = [json.loads(line) for line in text.splitlines()]
    done = [r for r in records if r.get("tuner") == "hyperband"]
    check(records[0].get("tuner") == "locus tune" and len(done) >= 3, "the journal keeps its identity and the finished trials")
    check(os.path.isdir(journal + ".checkpoints"), "the trials' checkpoints are kept beside the journal")
    resumed = json_of(locus(*SLOW, "--threads", 1, "--journal", journal, "--out", best2, "--json", "-").stdout,
                      "the resumed run")
    check(resumed.get("evaluations_from_journal", 0) >= len(done)
          and resumed.get("evaluations_run", 0) + resumed.get("evaluations_from_journal", 0) == resumed.get("evaluations"),
          "the resumed run replays the journal's trials and runs the rest once", str(resumed.get("evaluations")))
    check(os.path.exists(best2) and not os.path.exists(journal + ".checkpoints"),
          "the resumed run writes best.json and removes the checkpoints")
    plain = json_of(locus(*SLOW, "--threads", 1, "--json", "-").stdout, "the uninterrupted run")
    board = lambda j: [(r["trial"], r["loss"], r["budget"], r["configuration"]) for r in j.get("leaderboard", [])]  # noqa: E731
    check(board(plain) and board(plain) == board(resumed) and plain.get("best") == resumed.get("best"),
          "the resumed search ends exactly as the uninterrupted one")
    again = json_of(locus(*SLOW, "--journal", journal, "--json", "-").stdout, "a third run")
    check(again.get("evaluations_run") == 0, "a finished journal replays every trial")
    p = locus(*SLOW, "--journal", journal, "--seed", 2, expect=2, what="another seed's journal: exit 2")
    check("belongs to another run" in p.stderr and "seed" in p.stderr, "and the message names what differs", p.stderr)


# Bad search spaces: exit 2, naming the file and the parameter.
def bad_space(name, content, *parts):
    with open(path(name), "w") as f:
        f.write(content)
    p = locus("tune", path("labelled.csv"), "--space", path(name), "-q", expect=2, what=f"{name}: exit 2")
    check(all(s in p.stderr for s in (path(name),) + parts), f"{name}: the message names the file and {parts}", p.stderr)


bad_space("not_json.json", '{"parameters": [', "not valid JSON")
bad_space("unknown_key.json", '{"parameters": [{"name": "layers", "type": "int", "lo": 1, "high": 3}]}',
          '"layers"', 'unknown key "lo"')
bad_space("bounds.json", '{"parameters": [{"name": "layers", "type": "int", "low": 3, "high": 1}]}',
          '"layers"', "lower bound 3 > upper bound 1")
bad_space("unused.json", json.dumps({"architecture": {"max_layers": 1},
                                     "parameters": [{"name": "momentum", "type": "float", "low": 0, "high": 1}]}),
          '"momentum"', "not used")
p = locus("tune", path("labelled.csv"), "--space", path("missing.json"), "-q", expect=2, what="a missing space file: exit 2")
check("missing.json" in p.stderr, "and the message names it", p.stderr)
locus("tune", path("labelled.csv"), "-q", expect=2, what="--space is required: exit 2")

# A catalogue without the posterior's columns, an --out in a missing directory.
p = locus("tune", S82, "--space", path("space.json"), "-q", expect=3, what="no bayes_* columns: exit 3")
check("bayes_Mr_mean" in p.stderr, "and the message names the column", p.stderr)
locus("tune", path("labelled.csv"), "--space", path("space.json"), "--out", path("no", "best.json"), "-q", expect=4,
      what="--out in a missing directory: exit 4")
finish()
