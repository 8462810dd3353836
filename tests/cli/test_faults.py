#!/usr/bin/python3
"""ctest cli/faults: fault injection (issue 15 §2). Every case checks that no output file is
partial, that no star is lost or written twice, and that a rerun gives the bit-identical result.

1. Extreme values: magnitudes 0 and 40, errors 0, < 0, 1e30 and inf, colours ±1e20, ±1e30,
   1e300, ±inf, a denormal, A_SFD < 0 and huge; `locus posterior` (grid and MCMC, flat and S82
   priors), `locus predict` and `locus pipeline` (its nn_* columns) exit 0, write each input
   row once, in order, and a row with a non-finite summary always has a non-zero status. A
   column of placeholders (-99, or empty) is refused (exit 3) or, with --on-missing flag,
   flags every row.
2. kill -9 at random moments (fixed seed) of `locus posterior` over a mock of many blocks, of
   `locus pipeline` (its run record; every other resume killed too) and of `locus tune` (its
   journal; every other time with its last record torn in half); after each kill the
   output is absent or a complete earlier output, and the rerun removes the temporaries and
   ends byte-identical to an uninterrupted run.
3. Input that goes bad in the middle of a stream (a field of garbage, a truncated last line, a
   truncated FITS file): exit 3 naming the place, no output, no temporary.
4. A full disk (a file-size limit) in the middle of a stream: exit 4, no output, no temporary;
   the rerun without the limit is byte-identical.

LOCUS_FAULTS_HEAVY=1 runs the heavy variant: a 3 deg² mock (~130k stars) and 20 kill points per
command instead of a 1 deg² mock and 5."""
import math
import random
import resource
import sys
import time

sys.dont_write_bytecode = True
from cli_support import *  # noqa: E402,F403

HEAVY = os.environ.get("LOCUS_FAULTS_HEAVY", "") not in ("", "0")
KILLS = 20 if HEAVY else 5
MISSING, BAD_ERROR, NO_FIT = 1, 4, 8
t_start = time.monotonic()

# ---- 1. extreme values ------------------------------------------------------------------------
locus("simulate", "--area", 0.05, "--seed", 11, "-q", "-o", path("sim.csv"))
head(path("sim.csv"), path("good.csv"), 400)
locus("posterior", path("good.csv"), "-o", path("labelled.csv"), "--priors", "flat", "-q")
locus("train", path("labelled.csv"), "-m", path("model"), "--epochs", 3, "--runs", 1, "--sigma-epochs", 2, "-q")

EXTREME = [  # (what, {column: value}); each on its own row, the rows after them untouched
    ("r = 0", {"rmag": "0"}), ("r = 40", {"rmag": "40"}), ("r = -40", {"rmag": "-40"}),
    ("rErr = 0", {"rErr": "0"}), ("rErr < 0", {"rErr": "-0.1"}), ("rErr = 1e30", {"rErr": "1e30"}),
    ("ugErr = 0", {"ugErr": "0"}), ("grErr < 0", {"grErr": "-0.1"}), ("riErr = 1e30", {"riErr": "1e30"}),
    ("izErr = inf", {"izErr": "inf"}), ("ug = 1e20", {"ug": "1e20"}), ("ug = 1e30", {"ug": "1e30"}),
    ("gr = -1e30", {"gr": "-1e30"}), ("ri = inf", {"ri": "inf"}), ("iz = -inf", {"iz": "-inf"}),
    ("ug = 1e300", {"ug": "1e300"}), ("gr denormal", {"gr": "4e-320"}), ("Ar = 1e30", {"Ar": "1e30"}),
    ("Ar < 0", {"Ar": "-1"}), ("Ar = inf", {"Ar": "inf"}), ("Ar = 0", {"Ar": "0"}),
    ("every error 0", {c: "0" for c in ("rErr", "ugErr", "grErr", "riErr", "izErr")}),
    ("every colour and error 1e30", {c: "1e30" for c in ("ug", "gr", "ri", "iz", "rErr", "ugErr", "grErr", "riErr", "izErr")}),
    ("colours 1e15, errors 1e-10", {"ug": "1e15", "gr": "-1e15", "ugErr": "1e-10", "grErr": "1e-10"}),
]
BAD_ERRORS = {"ugErr = 0", "grErr < 0", "izErr = inf", "every error 0"}  # colour errors: bad_error, no fit


def write_table(file, header, rows):
    with open(file, "w") as g:
        g.write(",".join(header) + "\n")
        for r in rows:
            g.write(",".join(r) + "\n")


GH, GR = read_csv(path("good.csv"))
ext_rows = []
for k, (_, change) in enumerate(EXTREME):
    r = list(GR[k])
    for c, v in change.items():
        r[GH.index(c)] = v
    ext_rows.append(r)
ext_rows += GR[len(EXTREME):len(EXTREME) + 16]
write_table(path("extreme.csv"), GH, ext_rows)

POSTERIOR = ["bayes_" + p + s for p in ("Mr", "Ar", "FeH") for s in ("_mean", "_sigma", "_q14", "_q50", "_q86")]
PREDICT = ["nn_" + p + s for p in ("Mr", "Ar", "FeH") for s in ("", "_sigma", "_sigma_nn", "_sigma_b")]


def finite(text):
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def rows_kept(src, out, what):
    """Every input row once, in order: each input column (status aside: it is ORed into the
    output's) holds exactly the input's value. Returns the output table."""
    ih, ir = read_csv(src)
    t = read_csv(out)
    oh, orows = t
    cols = [c for c in ih if c != "status"]
    placeholder = lambda a, b: a in ("-99", "") and b == "nan"  # noqa: E731 (the reader's NaN, written back)
    ok = len(orows) == len(ir) and oh[-1] == "status" and all(c in oh for c in cols)
    bad = None
    if ok:
        for i, (a, b) in enumerate(zip(ir, orows)):
            for c in cols:
                if not same_value(a[ih.index(c)], b[oh.index(c)]) and not placeholder(a[ih.index(c)], b[oh.index(c)]):
                    bad = f"row {i + 1} column {c}: {b[oh.index(c)]} != {a[ih.index(c)]}"
                    break
            if bad:
                break
    check(ok and bad is None, f"{what}: each of the {len(ir)} input rows once, in order, unchanged",
          bad or f"{len(orows)} rows, header ends {oh[-3:]}")
    return t


def flagged_or_finite(t, cols, what):
    oh, orows = t
    j = oh.index("status")
    bad = [(i + 1, int(r[j])) for i, r in enumerate(orows)
           if int(r[j]) == 0 and not all(finite(r[oh.index(c)]) for c in cols)]
    check(not bad, f"{what}: every row has finite summaries or a non-zero status", f"(row, status): {bad[:5]}")


def run_twice(args, out, what, threads=(2, 1)):
    """Runs args -o out with each thread count; the outputs must be byte-identical."""
    outs = []
    for n in threads:
        o = f"{out[:-4]}.t{n}.csv"
        a = [f"{x}.t{n}" if x == path("ext_run") else x for x in args]
        p = locus(*a, "-o", o, "--threads", n, "-q", what=f"{what} (--threads {n}): exit 0")
        if p.returncode != 0:
            return None
        outs.append(o)
    check(all(file_bytes(o) == file_bytes(outs[0]) for o in outs),
          f"{what}: the rerun (threads {' and '.join(map(str, threads))}) is byte-identical")
    mine = [t for t in temporaries(TMP) if os.path.basename(t).startswith("." + os.path.basename(out[:-4]))]
    check(not mine, f"{what}: no temporary file", str(mine))
    return outs[0]


EXT = path("extreme.csv")
MCMC = ["--engine", "mcmc", "--steps", 60, "--burn-in", 20, "--walkers", 4]
for name, args, cols in (
        ("posterior grid", ["posterior", EXT, "--priors", "flat"], POSTERIOR),
        ("posterior grid brute_force", ["posterior", EXT, "--priors", "flat", "--grid-mode", "brute_force"], POSTERIOR),
        ("posterior MCMC", ["posterior", EXT, "--priors", "flat", *MCMC], POSTERIOR),
        ("posterior grid S82 priors", ["posterior", EXT, "--priors", S82_PRIORS], POSTERIOR),
        ("posterior MCMC S82 priors", ["posterior", EXT, "--priors", S82_PRIORS, *MCMC], POSTERIOR),
        # a run record per thread count, else the second run would resume the first
        ("pipeline", ["pipeline", EXT, "--run-dir", path("ext_run"), "--bayes-stars", 20, "--check-stars", 5, "--epochs", 3,
                      "--runs", 1, "--sigma-epochs", 2, "--priors", "flat"], PREDICT),
        ("predict", ["predict", EXT, "-m", path("model")], PREDICT)):
    what = f"extreme values, locus {name}"
    out = run_twice(args, path(f"ext_{name.replace(' ', '_')}.csv"), what)
    if out is None:
        continue
    t = rows_kept(EXT, out, what)
    flagged_or_finite(t, cols, what)
    if name.startswith("posterior"):
        st = [int(r[-1]) for r in t[1]]
        wrong = [w for k, (w, _) in enumerate(EXTREME) if w in BAD_ERRORS and (st[k] & (BAD_ERROR | NO_FIT)) != BAD_ERROR | NO_FIT]
        check(not wrong, f"{what}: a colour error 0, < 0 or inf is bad_error|no_fit", str(wrong))

# a whole column of placeholders
for name, value in (("-99", "-99"), ("empty", "")):
    rows = [list(r) for r in GR[:50]]
    for r in rows:
        r[GH.index("izErr")] = value
    f = path(f"placeholder_{name.replace('-', 'm')}.csv")
    write_table(f, GH, rows)
    for cmd, args in (("posterior", ["posterior", f, "--priors", "flat"]), ("predict", ["predict", f, "-m", path("model")])):
        what = f"a column of {name} placeholders, locus {cmd}"
        os.mkdir(path("refused"))
        p = locus(*args, "-o", path("refused", "o.csv"), "-q", expect=3, what=f"{what}: exit 3")
        check("'izErr'" in p.stderr and "row 1" in p.stderr, f"{what}: names row 1 and the column", p.stderr.strip())
        check(not os.listdir(path("refused")), f"{what}: no output", str(os.listdir(path("refused"))))
        remove(path("refused"))
        out = run_twice([*args, "--on-missing", "flag"], path(f"flag_{name}_{cmd}.csv"), f"{what}, --on-missing flag")
        if out is None:
            continue
        t = rows_kept(f, out, f"{what}, --on-missing flag")
        cols = POSTERIOR if cmd == "posterior" else PREDICT
        ok = all(int(r[-1]) & (MISSING | NO_FIT) == MISSING | NO_FIT and not any(finite(r[t[0].index(c)]) for c in cols)
                 for r in t[1])
        check(ok, f"{what}, --on-missing flag: every row missing_value|no_fit with NaN results")
print(f"-- extreme values: {time.monotonic() - t_start:.1f} s")

# ---- 2. kill -9 at random moments ---------------------------------------------------------------
rng = random.Random(15002)
AREA = 3 if HEAVY else 1
t0 = time.monotonic()
locus("simulate", "--area", AREA, "--seed", 7, "-q", "-o", path("big.csv"))
BIG = path("big.csv")
n_big = sum(1 for line in open(BIG) if line[0] != "#") - 1
POST = ["posterior", BIG, "--priors", "flat", "--block-rows", 1024, "--threads", 2, "-q"]
os.mkdir(path("post_ref"))
t1 = time.monotonic()
locus(*POST, "-o", path("post_ref", "out.csv"), what=f"the uninterrupted posterior over {n_big} stars")
T_POST = time.monotonic() - t1
REF_POST = file_bytes(path("post_ref", "out.csv"))
# an earlier complete output that differs from this run's (fewer digits)
locus(*POST, "--digits", 5, "-o", path("post_ref", "earlier.csv"))
EARLIER = file_bytes(path("post_ref", "earlier.csv"))
print(f"posterior reference: {n_big} stars, {n_big // 1024 + 1} blocks, {T_POST:.2f} s")


def kill_at(args, moment, cwd=None):
    """Starts the tool, SIGKILLs it after `moment` s; True if it was still running then."""
    proc = start(*args, cwd=cwd)
    time.sleep(moment)
    alive = proc.poll() is None
    proc.kill()
    proc.communicate(timeout=60)
    return alive


def moments(T, n):
    return sorted(rng.uniform(0.03, 0.97) * T for _ in range(n))


hits, stray, states = 0, 0, {}
for k, m in enumerate(moments(T_POST, KILLS)):
    d = path(f"pk{k}")
    os.mkdir(d)
    out = os.path.join(d, "out.csv")
    earlier = k % 2 == 1
    if earlier:
        with open(out, "wb") as g:
            g.write(EARLIER)
    hits += kill_at([*POST, "-o", out], m)
    what = f"posterior SIGKILL at {m:.2f} s{' over an earlier output' if earlier else ''}"
    now = file_bytes(out) if os.path.exists(out) else None
    state = "absent" if now is None else {EARLIER: "earlier", REF_POST: "complete"}.get(now, "partial")
    states[state] = states.get(state, 0) + 1
    check(now in ((None, REF_POST) if not earlier else (EARLIER, REF_POST)),
          f"{what}: the output is {'an earlier or the' if earlier else 'absent or the'} complete output",
          f"{len(now or b'')} bytes")
    stray += len(temporaries(d))
    locus(*POST, "-o", out, what=f"{what}: the rerun exits 0")
    check(os.path.exists(out) and file_bytes(out) == REF_POST, f"{what}: the rerun is byte-identical to the uninterrupted run")
    check(not temporaries(d), f"{what}: the rerun removed the killed run's temporary", str(os.listdir(d)))
    remove(d)
check(hits >= KILLS * 3 // 5, f"posterior: {hits} of {KILLS} kills hit a running process")
check(stray >= 1, f"posterior: the kills left {stray} temporary files (so the rerun's cleanup was tested)")
print(f"-- posterior kills: {time.monotonic() - t0:.1f} s; the output after the kills: {states}")

# pipeline: kill, resume (sometimes killed again), resume to the end
t0 = time.monotonic()
PIPE = ["pipeline", "--area", 0.6, "--seed", 5, "--bayes-stars", 2000, "--check-stars", 300, "--epochs", 120, "--patience", 0,
        "--runs", 1, "--sigma-epochs", 60, "--batch", 32, "--block-rows", 2048, "--threads", 2, "--priors", "flat", "-q"]
STAGES = ["1-sample", "2-posterior", "3-train", "4-predict", "5-evaluate"]


def pipe_args(d):
    return [*PIPE, "-o", os.path.join(d, "pred.csv"), "--run-dir", os.path.join(d, "run")]


os.mkdir(path("pipe_ref"))
t1 = time.monotonic()
locus(*pipe_args(path("pipe_ref")), what="the uninterrupted pipeline")
T_PIPE = time.monotonic() - t1
REF_PRED = file_bytes(path("pipe_ref", "pred.csv"))
REF_EVAL = file_bytes(path("pipe_ref", "run", "evaluation.json"))
print(f"pipeline reference: {T_PIPE:.2f} s")
hits, seen = 0, set()
for k, m in enumerate(moments(T_PIPE, KILLS)):
    d = path(f"pipe{k}")
    os.mkdir(d)
    hits += kill_at(pipe_args(d), m)
    twice = k % 2 == 1
    if twice:  # the resume itself killed, at a moment of its own
        kill_at(pipe_args(d), rng.uniform(0.03, 0.9) * T_PIPE)
    done = [s for s in STAGES if os.path.exists(os.path.join(d, "run", s + ".json"))]
    seen.add(done[-1] if done else "none")
    what = f"pipeline SIGKILL at {m:.2f} s{' and in the resume' if twice else ''} (recorded: {done[-1] if done else 'none'})"
    pred = os.path.join(d, "pred.csv")
    check(not os.path.exists(pred) or file_bytes(pred) == REF_PRED, f"{what}: the predictions are absent or complete")
    p = locus(*pipe_args(d), "--json", "-", what=f"{what}: the resume exits 0")
    st = json_of(p.stdout, what).get("stages", {})
    resumed = [s for s in STAGES if st.get(s, {}).get("resumed")]
    check(resumed == done, f"{what}: the resume skips exactly the recorded stages", f"resumed {resumed}")
    check(os.path.exists(pred) and file_bytes(pred) == REF_PRED
          and file_bytes(os.path.join(d, "run", "evaluation.json")) == REF_EVAL,
          f"{what}: predictions and evaluation.json byte-identical to the uninterrupted run")
    check(not temporaries(d, os.path.join(d, "run")), f"{what}: no temporary file left",
          str(temporaries(d, os.path.join(d, "run"))))
    remove(d)
check(hits >= KILLS * 3 // 5, f"pipeline: {hits} of {KILLS} kills hit a running process")
print(f"-- pipeline kills: {time.monotonic() - t0:.1f} s; last stages recorded at the kills: {sorted(seen)}")

# tune: the journal keeps the finished trials; the rerun resumes and ends as an uninterrupted run
t0 = time.monotonic()
head(path("sim.csv"), path("tune_in.csv"), 2000)
locus("posterior", path("tune_in.csv"), "--priors", "flat", "-o", path("tune_lab.csv"), "-q")
with open(path("space.json"), "w") as f:
    json.dump({"architecture": {"max_layers": 2, "max_units": 8, "activations": ["gelu", "tanh"]},
               "parameters": [{"name": "learning_rate", "type": "float", "low": 0.003, "high": 0.03, "log": True}]}, f)
TUNE = ["tune", path("tune_lab.csv"), "--space", path("space.json"), "--max-epochs", 27, "--batch", 4, "--threads", 2, "-q"]


def tune_args(d):
    return [*TUNE, "--journal", os.path.join(d, "journal.jsonl"), "--out", os.path.join(d, "best.json")]


def board(j):
    return [(r["trial"], r["loss"], r["budget"], r["configuration"]) for r in j.get("leaderboard", [])]


os.mkdir(path("tune_ref"))
t1 = time.monotonic()
ref_tune = json_of(locus(*tune_args(path("tune_ref")), "--json", "-", what="the uninterrupted tune").stdout, "tune")
T_TUNE = time.monotonic() - t1
REF_BEST = file_bytes(path("tune_ref", "best.json"))
print(f"tune reference: {T_TUNE:.2f} s, {ref_tune.get('evaluations')} evaluations")
hits, replayed = 0, []
for k, m in enumerate(moments(T_TUNE, KILLS)):
    d = path(f"tune{k}")
    os.mkdir(d)
    alive = kill_at(tune_args(d), m)
    hits += alive
    jl = os.path.join(d, "journal.jsonl")
    # as if the kill came while the last record was written: half of it left (only while the
    # trials' checkpoints exist: the finished run removes them after its last record)
    torn = (k % 2 == 1 and alive and os.path.isdir(jl + ".checkpoints") and os.path.exists(jl)
            and file_bytes(jl).count(b"\n") > 1)
    if torn:
        lines = file_bytes(jl).rstrip(b"\n").split(b"\n")
        with open(jl, "wb") as g:
            g.write(b"\n".join(lines[:-1]) + b"\n" + lines[-1][:len(lines[-1]) // 2])
    what = f"tune SIGKILL at {m:.2f} s{' with the last journal record torn' if torn else ''}"
    best = os.path.join(d, "best.json")
    check(not os.path.exists(best) or file_bytes(best) == REF_BEST, f"{what}: best.json is absent or complete")
    p = locus(*tune_args(d), "--json", "-", what=f"{what}: the resume exits 0")
    j = json_of(p.stdout, what)
    replayed.append(j.get("evaluations_from_journal", 0))
    check(board(j) and board(j) == board(ref_tune) and j.get("best") == ref_tune.get("best"),
          f"{what}: the resumed search ends exactly as the uninterrupted one ({replayed[-1]} trials from the journal)")
    check(os.path.exists(best) and file_bytes(best) == REF_BEST, f"{what}: best.json byte-identical")
    check(not temporaries(d) and not os.path.exists(os.path.join(d, "journal.jsonl.checkpoints")),
          f"{what}: no temporary file, no checkpoints left", str(os.listdir(d)))
    remove(d)
check(hits >= KILLS * 3 // 5, f"tune: {hits} of {KILLS} kills hit a running process")
check(any(replayed), f"tune: some resumes replayed trials from the journal ({replayed})")
print(f"-- tune kills: {time.monotonic() - t0:.1f} s")

# ---- 3. input that goes bad in the middle of a stream ------------------------------------------
bh, br = read_csv(BIG)
mid = len(br) // 2
os.mkdir(path("outs"))
cases = []
rewrite_field(BIG, path("garbage.csv"), mid, "gr", "x1.5")
cases.append(("garbage in the middle", path("garbage.csv"), [f"row {mid}", "'gr'", "'x1.5'"]))
with open(BIG, "rb") as f:
    data = f.read()
last = data.rstrip(b"\n").rfind(b"\n")
with open(path("truncated.csv"), "wb") as g:
    g.write(data[:last + (len(data) - last) // 2])
cases.append(("a truncated last line", path("truncated.csv"), [f"row {len(br)}", "truncated"]))
locus("simulate", "--area", AREA, "--seed", 7, "-q", "-o", path("big.fits"))
with open(path("big.fits"), "rb") as f:
    data = f.read()
with open(path("truncated.fits"), "wb") as g:
    g.write(data[:len(data) * 3 // 5])
cases.append(("a truncated FITS file", path("truncated.fits"), ["truncated"]))
for name, f, words in cases:
    for cmd, args in (("posterior", POST), ("predict", ["predict", BIG, "-m", path("model"), "--block-rows", 1024, "-q"])):
        args = [a if a != BIG else f for a in args]
        for out in ("o.csv", "o.fits"):
            p = locus(*args, "-o", path("outs", out), expect=3, what=f"{name}: locus {cmd} -o {out} exits 3")
            check(os.path.basename(f) in p.stderr and all(w in p.stderr for w in words),
                  f"{name}: locus {cmd} names the file{' and ' + ', '.join(words) if words else ''}", p.stderr.strip())
            check(not os.listdir(path("outs")), f"{name}: locus {cmd} -o {out} leaves no output nor temporary",
                  str(os.listdir(path("outs"))))

# ---- 4. a full disk in the middle of a stream ---------------------------------------------------
def limit(size):
    return lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))


locus(*POST, "-o", path("post_ref", "out.fits"))
for out, full in (("o.csv", len(REF_POST)), ("o.fits", os.path.getsize(path("post_ref", "out.fits")))):
    what = f"a full disk half-way through posterior -o {out}"
    p = locus(*POST, "-o", path("outs", out), expect=4, preexec_fn=limit(full // 2), what=f"{what}: exit 4")
    check(out in p.stderr, f"{what}: names the output", p.stderr.strip())
    check(not os.listdir(path("outs")), f"{what}: no output, no temporary", str(os.listdir(path("outs"))))
locus(*POST, "-o", path("outs", "o.csv"))
check(file_bytes(path("outs", "o.csv")) == REF_POST, "after a full disk, the rerun is byte-identical")
remove(path("outs", "o.csv"))
# the pipeline's run record: the disk fills while stage 2 writes the run record's posterior.csv
d = path("pipe_full")
os.mkdir(d)
size = os.path.getsize(path("pipe_ref", "run", "sample.csv"))
p = locus(*pipe_args(d), expect=4, preexec_fn=limit(size + 4096), what="a full disk in pipeline stage 2: exit 4")
done = [s for s in STAGES if os.path.exists(os.path.join(d, "run", s + ".json"))]
check(done == ["1-sample"] and not os.path.exists(os.path.join(d, "pred.csv")) and not temporaries(d, os.path.join(d, "run")),
      "a full disk in pipeline stage 2: stage 1 kept, no predictions, no temporary", f"{done} {p.stderr.strip()}")
locus(*pipe_args(d))
check(file_bytes(os.path.join(d, "pred.csv")) == REF_PRED, "after a full disk, the resumed pipeline is byte-identical")
print(f"total: {time.monotonic() - t_start:.1f} s ({'heavy' if HEAVY else 'light'} variant, {KILLS} kills per command)")
finish()
