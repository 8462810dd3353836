#!/usr/bin/python3
"""ctest cli/options: --version, --help of the tool and of every subcommand (exit 0), bad flags
(exit 2, nothing written), a TOML config file whose [command] section the flags override, an
unknown or malformed config (exit 2), --json (valid JSON with the documented fields), --quiet and
--digits."""
import sys

sys.dont_write_bytecode = True
from cli_support import *  # noqa: E402,F403

COMMANDS = ("simulate", "posterior", "train", "predict", "pipeline")

# ---- --version, --help ------------------------------------------------------------------------
p = locus("--version")
words = p.stdout.split()
check(len(words) >= 2 and p.stdout.strip() in (f"locus {words[1]}", f"locus {words[1]} (with MPI)"),
      "--version prints 'locus VERSION', with ' (with MPI)' when built with MPI", p.stdout)
p = locus("--help")
check(all(c in p.stdout for c in COMMANDS) and "Exit codes" in p.stdout, "--help lists the commands and the exit codes")
for cmd, option in (("simulate", "--area"), ("posterior", "--priors"), ("train", "--validation"), ("predict", "--model"),
                    ("pipeline", "--run-dir")):
    p = locus(cmd, "--help")
    check(option in p.stdout and "--json" in p.stdout and "--threads" in p.stdout,
          f"{cmd} --help shows its options ({option}) and the common ones")

# ---- bad flags: exit 2, nothing written -------------------------------------------------------
locus("simulate", "--area", 0.02, "--seed", 2, "-q", "-o", path("good.csv"))
locus("posterior", path("good.csv"), "-o", path("labelled.csv"), "--priors", "flat", "-q")
os.mkdir(path("outs"))
out = path("outs", "o.csv")
for what, args in (
        ("no command", []),
        ("an unknown command", ["frobnicate"]),
        ("an unknown flag", ["posterior", path("good.csv"), "-o", out, "--priors", "flat", "--bogus"]),
        ("a non-numeric --threads", ["posterior", path("good.csv"), "-o", out, "--priors", "flat", "--threads", "abc"]),
        ("--digits out of range", ["posterior", path("good.csv"), "-o", out, "--priors", "flat", "--digits", 99]),
        ("an unknown --engine", ["posterior", path("good.csv"), "-o", out, "--priors", "flat", "--engine", "nuts"]),
        ("an unknown --on-missing", ["posterior", path("good.csv"), "-o", out, "--priors", "flat", "--on-missing", "skip"]),
        ("no --priors", ["posterior", path("good.csv"), "-o", out]),
        ("no -o", ["posterior", path("good.csv"), "--priors", "flat"]),
        ("no input", ["predict", "-o", out, "-m", path("m")]),
        ("--burn-in not below --steps", ["posterior", path("good.csv"), "-o", out, "--priors", "flat", "--engine", "mcmc",
                                         "--steps", 50, "--burn-in", 50]),
        ("--col with an unknown key", ["posterior", path("good.csv"), "-o", out, "--priors", "flat", "--col", "grr=gr"]),
        ("--col without '='", ["posterior", path("good.csv"), "-o", out, "--priors", "flat", "--col", "gr"]),
        ("an unknown output format", ["posterior", path("good.csv"), "-o", path("outs", "o.xyz"), "--priors", "flat"]),
        ("--validation out of range", ["train", path("labelled.csv"), "-m", path("outs", "m"), "--validation", 2]),
        ("an unknown --sampling", ["pipeline", path("good.csv"), "-o", out, "--run-dir", path("outs", "run"),
                                   "--sampling", "clever"]),
        ("a negative --area", ["simulate", "--area", -1, "-o", out]),
        ("an extra argument", ["simulate", "--area", 0.01, "-o", out, "surplus"])):
    p = locus(*args, expect=2, what=f"{what}: exit 2")
    check(p.stderr.strip() != "", f"{what}: says why on stderr")
    check(not os.listdir(path("outs")), f"{what}: nothing written", str(os.listdir(path("outs"))))
    remove(path("outs", "run"))

# ---- a config file; flags override it ---------------------------------------------------------
with open(path("run.toml"), "w") as g:
    g.write("# locus options\n[pipeline]\nbayes-stars = 300\ncheck-stars = 100\nepochs = 3\nruns = 1\n"
            "sigma-epochs = 2\nthreads = 1\nquiet = true\n\n[posterior]\npriors = \"flat\"\nengine = \"mcmc\"\n"
            "steps = 40\nburn-in = 10\n")
for where in ("after", "before"):
    cfg = ["--config", path("run.toml")]
    cmd = ["pipeline", path("good.csv"), "--check-stars", 50, "-o", path(f"cfg_{where}.csv"), "--run-dir",
           path(f"cfg_{where}"), "--json", "-"]
    p = locus(*(cmd + cfg if where == "after" else cfg + cmd), what=f"pipeline with --config {where} the command")
    j = json_of(p.stdout, "pipeline --json -")
    check(j.get("labelled") == 350 and 280 < j.get("trained_on", 0) + j.get("validated_on", 0) <= 300 and p.stderr == "",
          f"--config {where} the command: bayes-stars 300 and quiet from the file, --check-stars 50 from the flag",
          f"labelled {j.get('labelled')}, stderr {p.stderr[:200]!r}")
p = locus("posterior", path("good.csv"), "-o", path("cfg_post.csv"), "--config", path("run.toml"), "--steps", 30, "--json", "-")
o = json_of(p.stdout, "posterior --json -").get("options", {})
check(o.get("engine") == "mcmc" and o.get("steps") == 30 and o.get("burn_in") == 10,
      "posterior: engine and burn-in from [posterior], --steps from the flag", str(o))
bad_configs = {"an unknown key": "[pipeline]\nbayes-starz = 300\n",
               "an unknown key in another command's section": "[posterior]\npriorz = \"flat\"\n",
               "malformed TOML": "[pipeline\nbayes-stars = \n"}
for what, text in bad_configs.items():
    with open(path("bad.toml"), "w") as g:
        g.write(text)
    p = locus("pipeline", path("good.csv"), "-o", out, "--run-dir", path("outs", "run"), "--config", path("bad.toml"),
              expect=2, what=f"a config file with {what}: exit 2")
    check(("starz" in p.stderr or "priorz" in p.stderr) if "key" in what else p.stderr.strip() != "",
          f"a config file with {what}: says what", p.stderr.strip())
    check(not os.listdir(path("outs")), f"a config file with {what}: nothing written")
p = locus("pipeline", path("good.csv"), "-o", out, "--config", path("nosuch.toml"), expect=2,
          what="a missing config file: exit 2")
check("nosuch.toml" in p.stderr, "a missing config file: names it", p.stderr.strip())

# ---- --json, --quiet, --digits ----------------------------------------------------------------
p = locus("simulate", "--area", 0.02, "--seed", 2, "-o", path("s.csv"), "--json", path("s.json"), "-q")
j = json_of(open(path("s.json")).read(), "simulate --json FILE")
check(p.stdout.startswith("locus simulate:") and p.stderr == "", "--json FILE: the text summary still on stdout, -q: no stderr")
check(j.get("command") == "simulate" and j.get("rows") == len(read_csv(path("s.csv"))[1])
      and all(k in j for k in ("output", "patch", "generated", "seconds")), "simulate --json: documented fields", str(j))
p = locus("posterior", path("good.csv"), "-o", path("d6.csv"), "--priors", "flat", "--digits", 6, "-q")
vals = [v for v in column(read_csv(path("d6.csv")), "bayes_Mr_mean") if v != "nan"]
digits = max(len(v.lstrip("-").replace(".", "").split("e")[0].lstrip("0")) for v in vals)
check(vals and digits <= 6, f"--digits 6: at most 6 significant digits ({digits})")
check(not temporaries(TMP), "no temporary file left")
finish()
