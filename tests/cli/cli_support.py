"""Shared by the end-to-end tests of the `locus` tool (tests/cli/test_*.py).

Each test is run by ctest as `/usr/bin/python3 tests/cli/test_NAME.py LOCUS CLI_REFERENCE DATA_DIR`:
the built tool, the helper tests/cli/cli_reference.cpp (the library's own results for the same
inputs) and the repository's data folder. Everything is written in a fresh temporary directory.
A test script calls check() for each fact it verifies and ends with finish(), which prints
"N passed, M failed" and sets the exit code.
"""
import json
import math
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

if len(sys.argv) != 4:
    sys.exit(f"usage: {sys.argv[0]} LOCUS CLI_REFERENCE DATA_DIR")
LOCUS, REFERENCE, DATA = (os.path.abspath(a) for a in sys.argv[1:4])
S82 = os.path.join(DATA, "photod", "s82", "s82_calibstars.csv")
S82_PRIORS = os.path.join(DATA, "photod", "s82", "priors_s82_pix0.csv")

_tmp = tempfile.TemporaryDirectory(prefix="locus-cli-")
TMP = _tmp.name
_passed, _failed = 0, []


def path(*parts):
    """A path in this test's temporary directory."""
    return os.path.join(TMP, *parts)


def check(ok, what, detail=""):
    global _passed
    if ok:
        _passed += 1
        print(f"ok      {what}")
    else:
        _failed.append(what)
        print(f"FAILED  {what}" + (f"\n        {detail}" if detail else ""))
    sys.stdout.flush()
    return ok


def finish():
    print(f"{_passed} passed, {len(_failed)} failed")
    for f in _failed:
        print(f"  failed: {f}")
    sys.exit(1 if _failed else 0)


def locus(*args, expect=0, timeout=120, cwd=None, preexec_fn=None, what=None):
    """Runs the tool (cwd: the temporary directory); checks the exit code when expect is not None."""
    args = [str(a) for a in args]
    p = subprocess.run([LOCUS, *args], capture_output=True, text=True, timeout=timeout, cwd=cwd or TMP,
                       preexec_fn=preexec_fn)
    if expect is not None:
        check(p.returncode == expect, what or f"locus {' '.join(args).replace(TMP, '$TMP')} exits {expect}",
              f"exit {p.returncode}\nstdout: {p.stdout[-2000:]}\nstderr: {p.stderr[-2000:]}")
    return p


def reference(*args):
    """Runs the library helper; a failure here is a broken test, not a tool bug."""
    p = subprocess.run([REFERENCE, *[str(a) for a in args]], capture_output=True, text=True, timeout=300, cwd=TMP)
    if p.returncode != 0:
        sys.exit(f"cli_reference {' '.join(map(str, args))} failed:\n{p.stderr}")
    return p.stdout


def read_csv(file):
    """(header, rows) of a CSV file the library wrote: '#' lines skipped, no quoting needed."""
    header, rows = None, []
    with open(file) as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            fields = line.split(",")
            if header is None:
                header = fields
            else:
                rows.append(fields)
    return header, rows


def column(table, name):
    header, rows = table
    j = header.index(name)
    return [r[j] for r in rows]


def number(text):
    return float(text)


def same_value(a, b):
    """Exact equality of two CSV fields: numbers by value (NaN equals NaN), other text as text."""
    try:
        x, y = float(a), float(b)
    except ValueError:
        return a == b
    return x == y or (math.isnan(x) and math.isnan(y))


def compare_tables(got, want, what, columns=None, rows=None):
    """Checks that two CSV tables hold bit-identical values in `columns` (all of want's when None),
    on rows `rows` (all when None). Reports the first difference."""
    gh, gr = got
    wh, wr = want
    columns = columns if columns is not None else wh
    missing = [c for c in columns if c not in gh]
    if not check(not missing, f"{what}: has the columns", f"missing {missing}"):
        return False
    if not check(len(gr) == len(wr), f"{what}: {len(wr)} rows", f"got {len(gr)} rows, want {len(wr)}"):
        return False
    rows = range(len(wr)) if rows is None else rows
    gi = [gh.index(c) for c in columns]
    wi = [wh.index(c) for c in columns]
    for i in rows:
        g, w = gr[i], wr[i]
        for c, a, b in zip(columns, gi, wi):
            if not same_value(g[a], w[b]):
                return check(False, f"{what}: bit-identical", f"row {i} column {c}: {g[a]} != {w[b]}")
    return check(True, f"{what}: bit-identical ({len(rows)} rows x {len(columns)} columns)")


def temporaries(*dirs):
    """Hidden temporary files of atomic writes (".NAME.tmp.*") in dirs."""
    out = []
    for d in dirs:
        if os.path.isdir(d):
            out += [os.path.join(d, n) for n in os.listdir(d) if n.startswith(".") and ".tmp." in n]
    return out


def file_bytes(file):
    with open(file, "rb") as f:
        return f.read()


def wait_for(predicate, timeout, poll=0.005, proc=None):
    """Polls predicate() until true (returns True), the timeout, or proc ending (returns False)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        if proc is not None and proc.poll() is not None:
            return predicate()
        time.sleep(poll)
    return False


def start(*args, cwd=None):
    return subprocess.Popen([LOCUS, *[str(a) for a in args]], cwd=cwd or TMP, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def json_of(text, what):
    try:
        return json.loads(text)
    except ValueError as e:
        check(False, f"{what}: valid JSON", str(e))
        return {}


def remove(p):
    if os.path.isdir(p):
        shutil.rmtree(p)
    elif os.path.exists(p):
        os.remove(p)


def rewrite_field(src, dst, row, col, value):
    """Copies a CSV file, replacing data row `row` (1-based, comments and header not counted)'s
    field in column `col` with `value`. Returns the file line number of that row (1-based)."""
    header, n, line_no = None, 0, 0
    with open(src) as f, open(dst, "w") as g:
        for line_no_0, line in enumerate(f):
            text = line.rstrip("\n")
            if text and not text.startswith("#"):
                if header is None:
                    header = text.split(",")
                else:
                    n += 1
                    if n == row:
                        fields = text.split(",")
                        fields[header.index(col)] = value
                        text = ",".join(fields)
                        line_no = line_no_0 + 1
            g.write(text + "\n")
    return line_no


def head(src, dst, rows):
    """The first `rows` data rows of a CSV file (comments dropped)."""
    header, data = read_csv(src)
    with open(dst, "w") as g:
        g.write(",".join(header) + "\n")
        for r in data[:rows]:
            g.write(",".join(r) + "\n")


SIGINT, SIGKILL, SIGTERM = signal.SIGINT, signal.SIGKILL, signal.SIGTERM
