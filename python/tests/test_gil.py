"""The C++ loops run with the GIL released: a Python thread keeps running while another thread
is inside a long locus call. With the GIL held it would be all but frozen: on this machine a
spinning thread makes about 2e7 iterations/s beside a GIL-free call and about 2e5/s beside a
call that holds the GIL (a backtracking regex); the threshold, 1e6/s, is 5x from both."""
import threading
import time

import locus

RATE = 1e6  # spins per second


def spins_during(call):
    state = {"spins": 0, "stop": False}

    def spin():
        while not state["stop"]:
            state["spins"] += 1

    t = threading.Thread(target=spin)
    t.start()
    time.sleep(0.05)
    before = state["spins"]
    t0 = time.perf_counter()
    call()
    seconds = time.perf_counter() - t0
    during = state["spins"] - before
    state["stop"] = True
    t.join()
    return during / seconds


def test_posterior_releases_the_gil():
    df = locus.simulate_patch(area=0.5, seed=4)
    # one block: the whole call is a single C++ loop
    rate = spins_during(lambda: locus.posterior(df, priors="flat", threads=1, block_rows=1 << 30))
    assert rate > RATE, rate


def test_simulate_and_training_release_the_gil():
    rate = spins_during(lambda: locus.simulate_patch(area=2, seed=1, threads=1))
    assert rate > RATE, rate
    df = locus.simulate_patch(area=0.1, seed=4)
    import pandas as pd
    lab = pd.concat([df, locus.posterior(df, priors="flat")], axis=1)
    rate = spins_during(lambda: locus.train_moments(lab, epochs=30, runs=1, sigma_epochs=2, threads=1))
    assert rate > RATE, rate


def test_the_check_can_fail():
    import re
    assert spins_during(lambda: re.match(r"(a+)+b", "a" * 24)) < RATE
