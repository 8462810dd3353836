#!/usr/bin/python3
"""ctest cli/resume: `locus pipeline` interrupted and resumed ends with the same result as an
uninterrupted run. An uninterrupted reference run first; then fresh runs stopped by Ctrl-C
(SIGINT) in stage 2, in stage 3 (training) and while stage 4 writes the predictions (exit 130, no
predictions file, no temporary), each rerun to completion; then runs killed (SIGKILL) at random
moments (fixed seed) and while stage 4 writes (twice in a row, so the resume itself is killed),
each resumed. Every final evaluation.json and predictions file equals the reference's byte for
byte, and no temporary file is left (a kill leaves them; the resume removes them)."""
import random
import sys
import time

sys.dont_write_bytecode = True
from cli_support import *  # noqa: E402,F403

# a run of a few seconds, so each stage lasts long enough to be interrupted in
RUN = ["pipeline", "--area", 0.6, "--seed", 5, "--bayes-stars", 2000, "--check-stars", 500, "--epochs", 200, "--patience", 0,
       "--runs", 1, "--sigma-epochs", 100, "--batch", 32, "--block-rows", 4096, "--threads", 2, "-q"]
STAGES = ["1-sample", "2-posterior", "3-train", "4-predict", "5-evaluate"]


def args(d):
    return [*RUN, "-o", os.path.join(d, "pred.csv"), "--run-dir", os.path.join(d, "run")]


def done(d):
    """The stages whose record marker exists."""
    return [s for s in STAGES if os.path.exists(os.path.join(d, "run", s + ".json"))]


def writing(d):
    return any(n.startswith(".pred.csv.tmp.") for n in os.listdir(d))


ref = path("ref")
os.mkdir(ref)
t0 = time.monotonic()
locus(*args(ref), what="the uninterrupted reference run")
T = time.monotonic() - t0
print(f"reference run: {T:.2f} s")
REF_PRED = file_bytes(os.path.join(ref, "pred.csv"))
REF_EVAL = file_bytes(os.path.join(ref, "run", "evaluation.json"))


def resume(d, what, expect_resumed=None):
    p = locus(*args(d), "--json", "-", what=f"{what}: the rerun completes")
    st = json_of(p.stdout, f"{what}: rerun --json -").get("stages", {})
    resumed = [s for s in STAGES if st.get(s, {}).get("resumed")]
    if expect_resumed is not None:
        check(resumed == expect_resumed, f"{what}: the rerun resumes {expect_resumed or 'nothing'}", f"resumed {resumed}")
    same = (os.path.exists(os.path.join(d, "pred.csv")) and file_bytes(os.path.join(d, "pred.csv")) == REF_PRED
            and file_bytes(os.path.join(d, "run", "evaluation.json")) == REF_EVAL)
    check(same, f"{what}: predictions and evaluation.json byte-identical to the uninterrupted run")
    left = temporaries(d, os.path.join(d, "run"))
    check(not left, f"{what}: no temporary file left after the rerun", str(left))
    return resumed


# ---- Ctrl-C at three moments ------------------------------------------------------------------
for name, ready, cut in (("stage 2", lambda d: "1-sample" in done(d), 2),
                         ("stage 3 (training)", lambda d: "2-posterior" in done(d), 3),
                         ("stage 4 (writing the predictions)", writing, 4)):
    d = path("int" + str(cut))
    os.mkdir(d)
    proc = start(*args(d))
    reached = wait_for(lambda: ready(d), 60, poll=0.002, proc=proc)
    proc.send_signal(SIGINT)
    _, err = proc.communicate(timeout=60)
    what = f"Ctrl-C in {name}"
    check(reached, f"{what}: the signal came in that stage")
    check(proc.returncode == 130 and "interrupted" in err, f"{what}: exit 130, says it was interrupted",
          f"exit {proc.returncode}: {err.strip()}")
    finished = done(d)
    check(not os.path.exists(os.path.join(d, "pred.csv")) and "4-predict" not in finished,
          f"{what}: no predictions file (stages recorded: {', '.join(finished) or 'none'})")
    check(not temporaries(d, os.path.join(d, "run")), f"{what}: no temporary file", str(temporaries(d, os.path.join(d, "run"))))
    check(len(finished) >= cut - 1, f"{what}: the stages before it are recorded", str(finished))
    resume(d, what, expect_resumed=finished)

# ---- SIGKILL at random moments, and during stage 4 writing (twice) ----------------------------
rng = random.Random(20250)
moments = sorted(rng.uniform(0.03, 0.97) * T for _ in range(5))
hits = 0
for k, moment in enumerate(moments):
    d = path(f"kill{k}")
    os.mkdir(d)
    proc = start(*args(d))
    time.sleep(moment)
    alive = proc.poll() is None
    proc.kill()
    proc.communicate(timeout=60)
    finished = done(d)
    what = f"SIGKILL at {moment:.2f} s (after {finished[-1] if finished else 'no stage'})"
    hits += alive
    if not alive:
        print(f"note: {what}: the run had already finished (a faster machine than the reference run's)")
    if os.path.exists(os.path.join(d, "pred.csv")):  # killed after the rename: then it is whole
        check(file_bytes(os.path.join(d, "pred.csv")) == REF_PRED, f"{what}: a predictions file there is complete")
    resume(d, what, expect_resumed=finished)

check(hits >= 3, f"{hits} of the {len(moments)} random kills hit a running pipeline")

d = path("kill-writing")
os.mkdir(d)
for attempt in (1, 2):
    proc = start(*args(d))
    reached = wait_for(lambda: writing(d), 60, poll=0.002, proc=proc)
    time.sleep(0.05)
    proc.kill()
    proc.communicate(timeout=60)
    check(reached and not os.path.exists(os.path.join(d, "pred.csv")),
          f"SIGKILL while stage 4 writes (run {attempt}): no predictions file", str(os.listdir(d)))
check(len(temporaries(d)) >= 1, "the killed writers left their temporary files (as a kill must)", str(os.listdir(d)))
# a damaged temporary file in the run record must not matter either
with open(os.path.join(d, "run", ".posterior.csv.tmp.999999.1.0"), "w") as g:
    g.write("garbage")
resume(d, "SIGKILL twice while stage 4 writes", expect_resumed=["1-sample", "2-posterior", "3-train"])
finish()
