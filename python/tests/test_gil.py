"""The C++ loops run with the GIL released: a Python thread keeps running while another thread
is inside a long locus call. With the GIL held it would be frozen for the whole call."""
import threading
import time

import locus


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
    return during, seconds


def test_posterior_releases_the_gil():
    df = locus.simulate_patch(area=0.5, seed=4)
    # one block: the whole call is a single C++ loop
    during, seconds = spins_during(lambda: locus.posterior(df, priors="flat", threads=1, block_rows=1 << 30))
    assert seconds > 0.05 and during > 10000, (during, seconds)


def test_simulate_and_training_release_the_gil():
    during, _ = spins_during(lambda: locus.simulate_patch(area=2, seed=1, threads=1))
    assert during > 10000
    df = locus.simulate_patch(area=0.1, seed=4)
    import pandas as pd
    lab = pd.concat([df, locus.posterior(df, priors="flat")], axis=1)
    during, _ = spins_during(lambda: locus.train_moments(lab, epochs=30, runs=1, sigma_epochs=2, threads=1))
    assert during > 10000
