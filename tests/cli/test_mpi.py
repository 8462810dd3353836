#!/usr/bin/python3
"""ctest cli/mpi: `mpirun -np N locus posterior|predict` splits the catalogue across ranks and
writes, byte for byte, the file one process writes (grid and MCMC, CSV and FITS, 2 and 3 ranks);
a failing rank fails the job with its own error and leaves nothing behind; a rank killed with
SIGKILL leaves no output, and the rerun is identical; commands that do not split refuse to run
under mpirun. Skipped (exit 77) when the tool is built without MPI or mpirun is absent."""
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
finish()
