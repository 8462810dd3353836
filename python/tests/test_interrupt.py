"""Ctrl-C (SIGINT) stops a long locus call within about a second, as KeyboardInterrupt, and the
interpreter stays usable: the next call runs."""
import os
import signal
import subprocess
import sys
import time

SCRIPT = r"""
import sys, time, locus
df = locus.simulate_patch(area=0.5, seed=2)
print("ready", flush=True)
try:
    if sys.argv[1] == "posterior":
        locus.posterior(df, priors="flat", engine="mcmc", steps=20000, burn_in=100, block_rows=256)
    else:
        post = locus.posterior(df.head(3000), priors="flat")
        import pandas as pd
        locus.train_moments(pd.concat([df.head(3000), post], axis=1), epochs=100000, patience=0)
    print("finished", flush=True)
except KeyboardInterrupt as e:
    print("interrupted:", e, flush=True)
    t = time.perf_counter()
    locus.posterior(df.head(100), priors="flat")  # still usable
    print("after", flush=True)
"""


def interrupt(kind):
    p = subprocess.Popen([sys.executable, "-c", SCRIPT, kind], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True, env=os.environ)
    assert p.stdout.readline().strip() == "ready"
    time.sleep(1.0)
    t0 = time.perf_counter()
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=60)
    return out, err, time.perf_counter() - t0, p.returncode


# Uninterrupted, either call runs for many minutes; the bound leaves room for a loaded machine
# (a run with another build beside it took 10.4 s to stop, answer and run the next call).
LIMIT = 30


def test_posterior_interrupted():
    out, err, dt, rc = interrupt("posterior")
    assert "interrupted: posterior: interrupted" in out and "after" in out, (out, err)
    assert rc == 0 and dt < LIMIT


def test_training_interrupted():
    out, err, dt, rc = interrupt("train")
    assert "interrupted: training: interrupted" in out and "after" in out, (out, err)
    assert rc == 0 and dt < LIMIT
