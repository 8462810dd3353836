#!/usr/bin/python3
"""ctest cli/mpi: `mpirun -np N locus posterior|predict` splits the catalogue across ranks and
writes, byte for byte, the file one process writes (grid and MCMC, CSV and FITS, 2 and 3 ranks);
a failing rank fails the job with its own error and leaves nothing behind; a rank killed with
SIGKILL leaves no output, and the rerun is identical; commands that do not split refuse to run
under mpirun. `mpirun -np N locus tune` deals trials to ranks and ends as one process does
(Hyperband and BO); after a rank is killed, the rerun resumes from the shared journal with no
evaluation lost or repeated. Skipped (exit 77) when the tool is built without MPI or mpirun is
absent."""
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time

sys.dont_write_bytecode = True
from cli_support import *  # noqa: E402,F403

version = subprocess.run([LOCUS, "--version"], capture_output=True, text=True).stdout
MPIRUN = shutil.which("mpirun")
if "with MPI" not in version or not MPIRUN:
    print("skipped: " + ("mpirun is not installed" if MPIRUN is None else f"this locus is built without MPI ({version.strip()})"))
    sys.exit(77)

ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1", OMPI_MCA_rmaps_base_oversubscribe="1")
# A machine where mpirun cannot start two processes (no shared memory, a container without the
# launcher's needs) is a machine without MPI for this test, not a failure of locus.
probe = subprocess.run([MPIRUN, "-np", "2", "--oversubscribe", LOCUS, "--version"], capture_output=True, text=True, env=ENV,
                       timeout=120)
if probe.returncode != 0 or probe.stdout.count("with MPI") != 2:
    print(f"skipped: mpirun cannot start 2 processes here (exit {probe.returncode}): {probe.stderr[-600:]}")
    sys.exit(77)


def mpirun(n, *args, expect=0, what=None, timeout=300):
    cmd = [MPIRUN, "-np", str(n), "--oversubscribe", LOCUS, *[str(a) for a in args]]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=TMP, env=ENV)
    if expect is not None:
        check(p.returncode == expect, what or f"mpirun -np {n} locus {' '.join(map(str, args)).replace(TMP, '$TMP')} exits {expect}",
              f"exit {p.returncode}\nstdout: {p.stdout[-1500:]}\nstderr: {p.stderr[-1500:]}")
    return p


def leftovers():
    """Part files and temporaries in the test directory."""
    return sorted(set([path(f) for f in os.listdir(TMP) if ".part-" in f] + temporaries(TMP)))


# ---- the grid posterior of the real S82 stars: 2 and 3 ranks, CSV and FITS ---------------------
one = locus("posterior", S82, "-o", path("s82_1.csv"), "--priors", S82_PRIORS, "--block-rows", 500, "-q", "--json", "-")
for n in (2, 3):
    p = mpirun(n, "posterior", S82, "-o", path(f"s82_{n}.csv"), "--priors", S82_PRIORS, "--block-rows", 500, "-q", "--json", "-")
    check(file_bytes(path(f"s82_{n}.csv")) == file_bytes(path("s82_1.csv")), f"S82 grid posterior, {n} ranks: the one-process file, byte for byte")
    j1, jn = json_of(one.stdout, "posterior, one process"), json_of(p.stdout, f"posterior, {n} ranks")
    check(all(j1.get(k) == jn.get(k) for k in ("rows", "fitted", "flags")) and jn.get("rows") == 3981,
          f"S82, {n} ranks: one summary (rows, fitted, flags as one process)", f"{jn}")
    check(p.stdout.count('"command"') == 1, f"S82, {n} ranks: rank 0 alone reports")
check(not leftovers(), "no part file or temporary is left", str(leftovers()))
if locus("posterior", S82, "-o", path("s82_1.fits"), "--priors", S82_PRIORS, "--block-rows", 700, "-q", expect=None).returncode == 0:
    mpirun(2, "posterior", S82, "-o", path("s82_2.fits"), "--priors", S82_PRIORS, "--block-rows", 700, "-q")
    check(file_bytes(path("s82_2.fits")) == file_bytes(path("s82_1.fits")), "S82 grid posterior to FITS, 2 ranks: byte for byte")

# ---- MCMC: every chain is seeded by its global row, so the split cannot change it -------------
locus("simulate", "--area", 0.004, "--seed", 5, "-q", "-o", path("mock.csv"))
mcmc = ["--engine", "mcmc", "--walkers", 4, "--steps", 150, "--burn-in", 50, "--mcmc-seed", 9, "--priors", "kde", "--block-rows", 16, "-q"]
locus("posterior", path("mock.csv"), "-o", path("mcmc_1.csv"), *mcmc)
mpirun(3, "posterior", path("mock.csv"), "-o", path("mcmc_3.csv"), *mcmc, "--threads", 1)
check(file_bytes(path("mcmc_3.csv")) == file_bytes(path("mcmc_1.csv")), "MCMC posterior, 3 ranks: the one-process file, byte for byte")

# ---- predict ------------------------------------------------------------------------------------
locus("train", path("s82_1.csv"), "-m", path("model"), "--epochs", 3, "-q")
locus("predict", S82, "-m", path("model"), "-o", path("pred_1.csv"), "--block-rows", 1000, "-q")
mpirun(2, "predict", S82, "-m", path("model"), "-o", path("pred_2.csv"), "--block-rows", 1000, "-q")
check(file_bytes(path("pred_2.csv")) == file_bytes(path("pred_1.csv")), "predict, 2 ranks: the one-process file, byte for byte")

# ---- failures ------------------------------------------------------------------------------------
p = mpirun(2, "posterior", S82, "-o", path("no", "dir", "out.csv"), "--priors", S82_PRIORS, "-q", expect=4,
           what="an output directory that does not exist: the job exits 4 (cannot write output)")
check("does not exist" in p.stderr, "  with the reason", p.stderr[-500:])
# rank 1 gets a star it must refuse (a NaN input under --on-missing error), rank 0 does not
rewrite_field(S82, path("s82_bad.csv"), 1700, "ug", "nan")
p = mpirun(2, "posterior", path("s82_bad.csv"), "-o", path("bad.csv"), "--priors", S82_PRIORS, "--block-rows", 1000, "-q",
           expect=3, what="a bad row in rank 1's blocks: the job exits 3 (bad input)")
check(p.stderr.count("locus (rank") == 1 and "ug" in p.stderr, "  reported once, by the rank that met it first", p.stderr[-800:])
check(not os.path.exists(path("bad.csv")) and not leftovers(), "  no output, no part file, no temporary", str(leftovers()))
p = mpirun(2, "simulate", "--area", 0.01, "-o", path("sim.csv"), expect=2, what="simulate under mpirun -np 2 refuses to run (exit 2)")
check("does not split across MPI ranks" in p.stderr and not os.path.exists(path("sim.csv")), "  saying why, and writing nothing", p.stderr[-300:])

# ---- kill -9 of one rank at a random moment: no output; the rerun is the one-process file ------
locus("simulate", "--area", 0.3, "--seed", 4, "-q", "-o", path("big.csv"))
locus("posterior", path("big.csv"), "-o", path("big_1.csv"), "--priors", "kde", "--block-rows", 2000, "-q", "--threads", 1)
rng = random.Random(1)
for trial in range(3):
    proc = subprocess.Popen([MPIRUN, "-np", "2", "--oversubscribe", LOCUS, "posterior", path("big.csv"), "-o", path("big_2.csv"),
                             "--priors", "kde", "--block-rows", "2000", "-q", "--threads", "1"], cwd=TMP, env=ENV,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(rng.uniform(0.3, 1.5))
    ranks = subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True, text=True).stdout.split()
    victim = ranks[-1] if ranks else None
    if victim:
        os.kill(int(victim), signal.SIGKILL)
    rc = proc.wait(timeout=300)
    # The output is absent or whole: a rank killed after its part (rank 0 merging) fails the job
    # (mpirun exits 137) but not the merge.
    if os.path.exists(path("big_2.csv")):
        check(file_bytes(path("big_2.csv")) == file_bytes(path("big_1.csv")),
              f"kill -9 of a rank (trial {trial}, exit {rc}): late enough that the output was written, and it is whole")
        os.remove(path("big_2.csv"))
    else:
        check(victim is not None and rc != 0, f"kill -9 of a rank (trial {trial}): the job fails (exit {rc}) and writes no output")
    for f in leftovers():  # a killed rank cannot clean up: its temporary, the other rank's part
        os.remove(f)
mpirun(2, "posterior", path("big.csv"), "-o", path("big_2.csv"), "--priors", "kde", "--block-rows", 2000, "-q", "--threads", 1)
check(file_bytes(path("big_2.csv")) == file_bytes(path("big_1.csv")), "the rerun after the kills: the one-process file, byte for byte")
check(not leftovers(), "no part file or temporary is left", str(leftovers()))

# ---- tune: trials dealt to ranks by number, the journal shared ----------------------------------
with open(path("space.json"), "w") as f:
    json.dump({"architecture": {"max_layers": 3, "max_units": 32, "activations": ["gelu", "tanh"]},
               "parameters": [{"name": "learning_rate", "type": "float", "low": 0.003, "high": 0.03, "log": True}]}, f)
# R = 27: 49 models, 69 evaluations, a few seconds (small batches), so that kills land mid-search
TUNE = ["tune", path("s82_1.csv"), "--space", path("space.json"), "--max-epochs", 27, "--batch", 4, "-q", "--threads", 1]


def tune_args(name):
    return [*TUNE, "--journal", path(f"{name}.jsonl"), "--out", path(f"{name}.json"), "--json", "-"]


def board(j):
    return [(r["trial"], r["loss"], r["budget"], r["configuration"]) for r in j.get("leaderboard", [])]


def evaluations(journal):
    """(trial, rung) -> loss of a journal's Hyperband records; a repeated evaluation fails the test."""
    got, repeated = {}, []
    with open(journal) as f:
        lines = f.read().split("\n")[:-1]  # a torn last line (no newline) is not a record; the rerun drops it
        for line in lines:
            r = json.loads(line)
            if r.get("tuner") == "hyperband":
                key = (r["trial"], r["rung"])
                if key in got:
                    repeated.append(key)
                got[key] = r["loss"]
    check(not repeated, f"{os.path.basename(journal)}: no (trial, rung) journaled twice", str(repeated))
    return got


ref = json_of(locus(*tune_args("tune_1")).stdout, "tune, one process")
t0 = time.monotonic()
p = mpirun(2, *tune_args("tune_2"))
T_TUNE = time.monotonic() - t0
j = json_of(p.stdout, "tune, 2 ranks")
check(board(j) == board(ref) and j.get("best") == ref.get("best") and file_bytes(path("tune_2.json")) == file_bytes(path("tune_1.json")),
      "Hyperband, 2 ranks: the leaderboard and best.json of one process, byte for byte")
check(p.stdout.count('"command"') == 1 and all(j.get(k) == ref.get(k) for k in ("evaluations_run", "epochs_trained")),
      "  rank 0 alone reports, counting every rank's evaluations and epochs",
      f"{j.get('evaluations_run')} {j.get('epochs_trained')} vs {ref.get('evaluations_run')} {ref.get('epochs_trained')}")
check(evaluations(path("tune_2.jsonl")) == evaluations(path("tune_1.jsonl")),
      "  the shared journal holds every evaluation once, with the one-process losses")
print(f"tune: 2 ranks {T_TUNE:.1f} s, {ref.get('evaluations')} evaluations")

# a rank killed at a random moment: the job fails; the rerun resumes from the journal
hits = 0
for trial in range(3):
    name = f"tune_k{trial}"
    proc = subprocess.Popen([MPIRUN, "-np", "2", "--oversubscribe", LOCUS, *map(str, tune_args(name))], cwd=TMP, env=ENV,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(rng.uniform(0.3, 0.9) * T_TUNE)
    ranks = subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True, text=True).stdout.split()
    if ranks:
        os.kill(int(ranks[-1]), signal.SIGKILL)
    rc = proc.wait(timeout=300)
    hits += rc != 0
    before = evaluations(path(f"{name}.jsonl")) if os.path.exists(path(f"{name}.jsonl")) else {}
    check(all(ref_loss == evaluations(path("tune_1.jsonl"))[k] for k, ref_loss in before.items()),
          f"kill -9 of a rank in tune (trial {trial}, exit {rc}, {len(before)} evaluations journaled): those are the one-process losses")
    j = json_of(mpirun(2, *tune_args(name)).stdout, "tune rerun")
    check(board(j) == board(ref) and file_bytes(path(f"{name}.json")) == file_bytes(path("tune_1.json")),
          f"  the rerun ends as one process does ({j.get('evaluations_from_journal')} evaluations from the journal)")
    check(evaluations(path(f"{name}.jsonl")) == evaluations(path("tune_1.jsonl")) and
          j.get("evaluations_from_journal") == len(before),
          "  no evaluation lost or repeated: the journal has each once, and the rerun ran only the others")
check(hits >= 1, f"tune: {hits} of 3 kills hit a running search")

# Bayesian optimisation: a batch of --parallel trials dealt to ranks
BO = [*TUNE, "--method", "bo", "--trials", 6, "--initial", 4, "--parallel", 2, "--epochs", 4]
ref = json_of(locus(*BO, "--out", path("bo_1.json"), "--json", "-").stdout, "tune bo, one process")
j = json_of(mpirun(2, *BO, "--out", path("bo_2.json"), "--json", "-").stdout, "tune bo, 2 ranks")
check(board(j) == board(ref) and file_bytes(path("bo_2.json")) == file_bytes(path("bo_1.json")),
      "BO (--parallel 2), 2 ranks: the leaderboard and best.json of one process")
check(not temporaries(TMP), "no temporary file left", str(temporaries(TMP)))
finish()
