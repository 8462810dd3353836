#!/usr/bin/python3
"""ctest cli/bad_input: the bad-input corpus. Every case ends with its exit code (3 bad input, 4
output cannot be written, 130/143 interrupted) and a message that names the file, and the row
and column where there is one; no case leaves an output file or a temporary (".NAME.tmp.*")
behind. Under --on-missing flag a row with a NaN or −99 is written with status missing_value and
NaN results, never dropped."""
import math
import resource
import sys
import time

sys.dont_write_bytecode = True
from cli_support import *  # noqa: E402,F403

MISSING, NO_FIT = 1, 8

# ---- inputs ---------------------------------------------------------------------------------
locus("simulate", "--area", 0.05, "--seed", 11, "-q", "-o", path("sim.csv"))
head(path("sim.csv"), path("good.csv"), 400)
locus("posterior", path("good.csv"), "-o", path("labelled.csv"), "--priors", "flat", "-q")
FAST_TRAIN = ["--epochs", 3, "--runs", 1, "--sigma-epochs", 2, "-q"]
locus("train", path("labelled.csv"), "-m", path("model"), *FAST_TRAIN)


def variants(src, tag):
    """Bad copies of src: {case: (file, the words its message must contain besides the file name)}."""
    header, rows = read_csv(src)
    v = {}

    def write(name, header_, rows_, text=None):
        f = path(f"{tag}_{name}.csv")
        with open(f, "w") as g:
            g.write(text if text is not None else "\n".join(",".join(r) for r in [header_, *rows_]) + "\n")
        return f

    h = list(header)
    h[h.index("gr")] = "g_r"
    v["misnamed column"] = (write("misnamed", h, rows), ["'gr'"])
    j = header.index("izErr")
    v["missing column"] = (write("missing", [c for k, c in enumerate(header) if k != j],
                                 [[c for k, c in enumerate(r) if k != j] for r in rows]), ["'izErr'"])
    for name, row, col, value in (("wrong type", 4, "gr", "abc"), ("NaN", 5, "ug", "nan"), ("-99 placeholder", 6, "gr", "-99"),
                                  ("empty field", 7, "riErr", "")):
        f = path(f"{tag}_{name.replace(' ', '_')}.csv")
        rewrite_field(src, f, row, col, value)
        v[name] = (f, [f"row {row}", f"'{col}'"] + ([f"'{value}'"] if value else []))
    v["empty file"] = (write("empty", None, None, ""), ["empty"])
    v["comments only"] = (write("comments", None, None, "# nothing here\n\n"), ["empty"])
    v["header only"] = (write("header", header, []), [])
    text = open(src).read()
    v["truncated"] = (write("truncated", None, None, text[:len(text) * 2 // 3]), ["line", "truncated"])
    v["no such file"] = (path(f"{tag}_nosuch.csv"), ["no such file"])
    os.mkdir(path(f"{tag}_dir.csv"))
    v["a directory"] = (path(f"{tag}_dir.csv"), ["directory"])
    with open(path(f"{tag}_not.fits"), "w") as g:
        g.write("this is not FITS\n" * 10)
    v["not a FITS file"] = (path(f"{tag}_not.fits"), ["not a FITS file"])
    if tag == "raw":  # the same faults in FITS files (the library writes them)
        for case in ("misnamed column", "missing column", "NaN", "-99 placeholder", "header only"):
            f, words = v[case]
            reference("convert", f, f[:-4] + ".fits")
            v[case + " (FITS)"] = (f[:-4] + ".fits", [w for w in words if w not in ("'-99'", "'nan'")])
    return v


raw = variants(path("good.csv"), "raw")
lab = variants(path("labelled.csv"), "lab")

# chmod 000 blocks reads only for an unprivileged user
unreadable = path("unreadable.csv")
with open(path("good.csv")) as f, open(unreadable, "w") as g:
    g.write(f.read())
os.chmod(unreadable, 0)
try:
    open(unreadable).close()
    print(f"skipped: no read permission (running as uid {os.getuid()}, which reads a chmod 000 file anyway)")
except PermissionError:
    raw["no read permission"] = (unreadable, ["Permission denied"])
    lab["no read permission"] = (unreadable, ["Permission denied"])

PIPE = ["--bayes-stars", 200, "--check-stars", 50, *FAST_TRAIN]


def commands(case_file, out):
    return {"posterior": ["posterior", case_file, "-o", out, "--priors", "flat", "-q"],
            "predict": ["predict", case_file, "-m", path("model"), "-o", out, "-q"],
            "pipeline": ["pipeline", case_file, "-o", out, "--run-dir", path("outs", "run"), *PIPE]}


os.mkdir(path("outs"))
for case, (f, words) in raw.items():
    for cmd, args in commands(f, path("outs", "out.csv")).items():
        p = locus(*args, expect=3, what=f"{case}: locus {cmd} exits 3")
        msg = p.stderr
        check(os.path.basename(f) in msg and all(w in msg for w in words),
              f"{case}: locus {cmd} names the file{', row' if words and words[0].startswith('row ') else ''}"
              f"{', column' if any(w.startswith(chr(39)) for w in words) else ''}", msg.strip())
        left = [n for n in os.listdir(path("outs")) if n != "run"]
        check(not left and not temporaries(path("outs", "run")), f"{case}: locus {cmd} leaves no output", str(left))
        remove(path("outs", "run"))
for case, (f, words) in lab.items():
    p = locus("train", f, "-m", path("outs", "m"), *FAST_TRAIN, expect=3, what=f"{case}: locus train exits 3")
    check(os.path.basename(f) in p.stderr and all(w in p.stderr for w in words), f"{case}: locus train names the file",
          p.stderr.strip())
    check(not os.listdir(path("outs")), f"{case}: locus train leaves no model file")

# a training catalogue without the posterior's columns
p = locus("train", path("good.csv"), "-m", path("outs", "m"), *FAST_TRAIN, expect=3)
check("bayes_Mr_mean" in p.stderr and "good.csv" in p.stderr, "train without bayes_* columns: names the file and the column",
      p.stderr.strip())
# a broken or missing model, a missing prior file
with open(path("broken.moments.model"), "w") as g:
    g.write("not a model\n")
for what, args, words in (
        ("a missing model", ["predict", path("good.csv"), "-m", path("nomodel"), "-o", path("outs", "o.csv")], ["nomodel.moments.model"]),
        ("a broken model", ["predict", path("good.csv"), "-m", path("broken"), "-o", path("outs", "o.csv")], ["broken.moments.model"]),
        ("a missing prior file", ["posterior", path("good.csv"), "--priors", path("nopriors.csv"), "-o", path("outs", "o.csv")],
         ["nopriors.csv"]),
        ("KDE priors without truth columns", ["posterior", S82, "--priors", "kde", "-o", path("outs", "o.csv")], ["Mr_true"])):
    p = locus(*args, "-q", expect=3, what=f"{what}: exit 3")
    check(all(w in p.stderr for w in words), f"{what}: the message names it", p.stderr.strip())
    check(not os.listdir(path("outs")), f"{what}: no output")

# an input that already has the columns a command writes (its own output, say)
locus("predict", path("good.csv"), "-m", path("model"), "-o", path("predicted.csv"), "-q")
locus("pipeline", path("good.csv"), "-o", path("piped.csv"), "--run-dir", path("piped"), *PIPE)
for cmd, args, col in (("posterior", ["posterior", path("labelled.csv"), "--priors", "flat"], "bayes_Mr_mean"),
                       ("predict", ["predict", path("predicted.csv"), "-m", path("model")], "nn_Mr"),
                       ("pipeline", ["pipeline", path("piped.csv"), "--run-dir", path("outs", "run"), *PIPE], "nn_Mr")):
    p = locus(*args, "-o", path("outs", "o.csv"), "-q", expect=3, what=f"locus {cmd} on its own output: exit 3")
    check(os.path.basename(args[1]) in p.stderr and f"'{col}'" in p.stderr,
          f"locus {cmd} on its own output: names the file and the column", p.stderr.strip())
    check(not [n for n in os.listdir(path("outs")) if n != "run"], f"locus {cmd} on its own output: nothing written")
    remove(path("outs", "run"))

# ---- --on-missing flag: the rows are written, flagged, never dropped ------------------------
n = len(read_csv(path("good.csv"))[1])
for case in ("NaN", "-99 placeholder", "empty field"):
    f, words = raw[case]
    row = int(words[0].split()[-1])
    for cmd, args in commands(f, path(f"flag_{case[:3]}.csv")).items():
        out = args[args.index("-o") + 1]
        locus(*args, "--on-missing", "flag", what=f"{case}, --on-missing flag: locus {cmd} succeeds")
        t = read_csv(out)
        s = int(t[1][row - 1][t[0].index("status")])
        value = t[1][row - 1][t[0].index("bayes_Mr_mean" if cmd == "posterior" else "nn_Mr")]
        check(len(t[1]) == n and s & MISSING and s & NO_FIT and math.isnan(float(value)),
              f"{case}, --on-missing flag: locus {cmd} writes all {n} rows, row {row} with missing_value|no_fit and NaN",
              f"rows {len(t[1])}, status {s}, value {value}")
        remove(path("outs", "run"))
    locus("train", lab[case][0], "-m", path(f"flag_{case[:3]}"), *FAST_TRAIN, "--on-missing", "flag",
          what=f"{case}, --on-missing flag: locus train succeeds")

# ---- outputs that cannot be written ---------------------------------------------------------
nodir = path("nodir", "out.csv")
os.mkdir(path("isdir.csv"))
for what, args, words in (
        ("simulate -o in a missing directory", ["simulate", "--area", 0.01, "-o", nodir], [nodir]),
        ("posterior -o in a missing directory", ["posterior", path("good.csv"), "--priors", "flat", "-o", nodir], [nodir]),
        ("predict -o in a missing directory", ["predict", path("good.csv"), "-m", path("model"), "-o", nodir], [nodir]),
        ("train -m in a missing directory", ["train", path("labelled.csv"), "-m", path("nodir", "m"), *FAST_TRAIN],
         [path("nodir", "m")]),
        ("pipeline -o in a missing directory", ["pipeline", path("good.csv"), "-o", nodir, "--run-dir", path("outs", "run"), *PIPE],
         [nodir]),
        ("pipeline --run-dir in a missing directory", ["pipeline", path("good.csv"), "-o", path("outs", "o.csv"),
                                                       "--run-dir", path("nodir", "run"), *PIPE], [path("nodir", "run")]),
        ("--json in a missing directory", ["posterior", path("good.csv"), "--priors", "flat", "-o", path("outs", "o.csv"),
                                           "--json", path("nodir", "s.json")], [path("nodir", "s.json")]),
        ("-o is a directory", ["posterior", path("good.csv"), "--priors", "flat", "-o", path("isdir.csv")], ["isdir.csv"])):
    p = locus(*args, "-q", expect=4, what=f"{what}: exit 4")
    check(all(w in p.stderr for w in words), f"{what}: the message names the output", p.stderr.strip())
    check(not os.listdir(path("outs")) and not os.path.exists(path("nodir")), f"{what}: nothing written")
    remove(path("outs", "run"))

# no write permission (an unprivileged user only)
os.mkdir(path("ro"))
os.chmod(path("ro"), 0o555)
if os.access(path("ro"), os.W_OK):
    print(f"skipped: no write permission (uid {os.getuid()} writes into a read-only directory anyway)")
else:
    p = locus("posterior", path("good.csv"), "--priors", "flat", "-o", path("ro", "o.csv"), "-q", expect=4)
    check("ro/o.csv" in p.stderr and not os.listdir(path("ro")), "no write permission: exit 4, named, nothing written")


# a full disk: a file-size limit (ulimit -f) below the output's size
def limit(size):
    return lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))


# (sizes: good.csv's outputs are about 400 kB, a model file about 180 kB; the pipeline's flat
# priors leave no 3.8 MB priors.csv in the run record, so its predictions file is what fails)
FLAT_PIPE = ["pipeline", path("good.csv"), "-o", path("outs", "o.csv"), "--run-dir", path("outs", "run"), *PIPE,
             "--priors", "flat"]
for what, args, out, size in (
        ("simulate", ["simulate", "--area", 0.2, "-o", path("outs", "o.csv")], "o.csv", 1 << 20),
        ("simulate FITS", ["simulate", "--area", 0.2, "-o", path("outs", "o.fits")], "o.fits", 1 << 20),
        ("posterior", ["posterior", path("good.csv"), "--priors", "flat", "-o", path("outs", "o.csv")], "o.csv", 100000),
        ("predict", ["predict", path("good.csv"), "-m", path("model"), "-o", path("outs", "o.csv")], "o.csv", 100000),
        ("train", ["train", path("labelled.csv"), "-m", path("outs", "m"), *FAST_TRAIN], "m.moments.model", 50000),
        ("pipeline", FLAT_PIPE, "o.csv", 300000)):
    p = locus(*args, "-q", expect=4, preexec_fn=limit(size), what=f"a full disk (file-size limit): {what} exits 4")
    check(out in p.stderr, f"a full disk: {what} names the output", p.stderr.strip())
    left = [n for n in os.listdir(path("outs")) if n != "run"]
    check(not left and not temporaries(path("outs", "run")), f"a full disk: {what} leaves no output nor temporary", str(left))
# the pipeline kept its finished stages: without the limit it resumes at stage 4
p = locus(*FLAT_PIPE, "--json", "-")
st = json_of(p.stdout, "pipeline --json -").get("stages", {})
check([st.get(k, {}).get("resumed") for k in sorted(st)] == [True, True, True, False, False],
      "after a full disk at stage 4, the rerun resumes stages 1-3", str(st))
remove(path("outs", "run"))
remove(path("outs", "o.csv"))


# ---- Ctrl-C (SIGINT) and SIGTERM in the middle of a run --------------------------------------
def interrupt(args, out_dir, out_name, sig, code, what, ready=None):
    """Starts a run, signals it once `ready` (default: its output's temporary file exists) and
    checks how it ended: soon, with `code`, and nothing named out_name* left in out_dir."""
    proc = start(*args)
    ready = ready or (lambda: any(n.startswith("." + out_name + ".tmp.") for n in os.listdir(out_dir)))
    started = wait_for(ready, 30, proc=proc)
    time.sleep(0.3)
    running = proc.poll() is None
    proc.send_signal(sig)
    t0 = time.monotonic()
    _, err = proc.communicate(timeout=60)
    latency = time.monotonic() - t0
    check(started and running, f"{what}: the run was under way when the signal came")
    check(latency < 5, f"{what}: answered in {latency:.2f} s")
    check(proc.returncode == code, f"{what}: exit {code}", f"exit {proc.returncode}: {err}")
    check("interrupted" in err, f"{what}: says it was interrupted", err.strip())
    left = [n for n in os.listdir(out_dir) if n.startswith(out_name) or n.startswith("." + out_name)]
    check(not left, f"{what}: no partial output, no temporary file", str(left))


mcmc = ["posterior", path("good.csv"), "--priors", "flat", "--engine", "mcmc", "--steps", 20000, "-q"]
interrupt([*mcmc, "-o", path("outs", "o.csv")], path("outs"), "o.csv", SIGINT, 130, "Ctrl-C during locus posterior")
interrupt([*mcmc, "-o", path("outs", "o.fits")], path("outs"), "o.fits", SIGTERM, 143, "SIGTERM during locus posterior (FITS)")
interrupt(["train", path("labelled.csv"), "-m", path("outs", "m"), "--epochs", 100000, "--patience", 0, "--batch", 16, "-q"],
          path("outs"), "m.", SIGINT, 130, "Ctrl-C during locus train", ready=lambda: True)
finish()
