"""Hyperband and the Bayesian optimiser with a Python objective: the search finds a known
minimum, a Python exception stops it cleanly with the journal intact, and a rerun resumes."""
import json
import threading
import time

import numpy as np
import pytest

import locus

SPACE = {"parameters": [
    {"name": "x", "type": "float", "low": -1.0, "high": 1.0},
    {"name": "act", "type": "categorical", "choices": ["relu", "gelu", "tanh"]},
]}


def loss(cfg, budget=81.0):
    # smallest at x = 0.3 with act = gelu; more budget, less noise-like penalty
    return (cfg["x"] - 0.3) ** 2 + (0.0 if cfg["act"] == "gelu" else 0.5) + 1.0 / budget


def test_hyperband_python_objective(tmp_path):
    calls = []

    def objective(cfg, budget):
        calls.append((cfg["x"], budget))
        return loss(cfg, budget)

    res = locus.Hyperband(SPACE, max_budget=27, eta=3, seed=4, journal=tmp_path / "j.jsonl").run(objective)
    assert len(res["history"]) == len(calls) > 20
    best = res["best"]
    assert best["act"] == "gelu" and abs(best["x"] - 0.3) < 0.3
    # the best loss is the smallest full-budget loss seen
    full = [h["loss"] for h in res["history"] if h["budget"] == 27]
    assert res["best_loss"] == pytest.approx(min(full))
    # rerun: every evaluation comes from the journal, none is recomputed
    again = locus.Hyperband(SPACE, max_budget=27, eta=3, seed=4, journal=tmp_path / "j.jsonl").run(
        lambda c, b: pytest.fail("re-evaluated"))
    assert all(h["from_journal"] for h in again["history"]) and again["best"] == best


def test_exception_stops_the_search_with_the_journal_intact(tmp_path):
    journal = tmp_path / "j.jsonl"
    n = [0]

    def objective(cfg, budget):
        n[0] += 1
        if n[0] == 7:
            raise RuntimeError("the objective failed on purpose")
        return loss(cfg, budget)

    with pytest.raises(RuntimeError, match="on purpose"):
        locus.Hyperband(SPACE, max_budget=27, seed=4, journal=journal).run(objective)
    lines = [json.loads(s) for s in journal.read_text().splitlines()]
    assert len(lines) == 6 and all("loss" in r for r in lines)  # the six that finished, whole
    # resuming replays those six and runs the rest
    full = locus.Hyperband(SPACE, max_budget=27, seed=4, journal=journal).run(loss)
    assert sum(h["from_journal"] for h in full["history"]) == 6
    ref = locus.Hyperband(SPACE, max_budget=27, seed=4).run(loss)
    assert [h["loss"] for h in full["history"]] == [h["loss"] for h in ref["history"]]


def test_objective_errors():
    with pytest.raises(TypeError, match="must return a number"):
        locus.Hyperband(SPACE, max_budget=9).run(lambda c, b: "small")
    with pytest.raises(TypeError, match="callable"):
        locus.Hyperband(SPACE, max_budget=9).run(42)
    with pytest.raises(ValueError, match="search space"):
        locus.Hyperband({"parameters": [{"name": "x", "type": "float"}]}).run(loss)
    with pytest.raises(KeyError):
        locus.BayesianOptimizer(SPACE, initial_points=3).run(lambda c: c["missing"], 5)


def test_objectives_run_side_by_side():
    # threads=2: while one objective is inside a locus call (which releases the GIL), the other
    # objective runs Python code. Spins are counted only during that call: with the GIL held
    # there (by the call or by the search), the spinning objective could not run then.
    state = {"spins": 0, "in_call": 0}

    def objective(cfg):
        if cfg["act"] == "relu":
            t0 = time.perf_counter()
            while time.perf_counter() - t0 < 0.5:
                if state["in_call"]:
                    state["spins"] += 1
        else:
            state["in_call"] += 1
            locus.toy_ug(2_000_000, seed=1)
            state["in_call"] -= 1
        return loss(cfg)

    res = locus.BayesianOptimizer(SPACE, initial_points=6, batch=2, threads=2, seed=1).run(objective, 6)
    kinds = [h["config"]["act"] == "relu" for h in res["history"]]
    assert len(kinds) == 6 and any(kinds) and not all(kinds)
    assert state["spins"] > 100000  # ~1e7/s beside a GIL-free call; ~1e5/s beside a GIL-held one


def test_bayes_opt_finds_the_minimum():
    res = locus.BayesianOptimizer(SPACE, initial_points=6, seed=2).run(loss, 25)
    assert res["best"]["act"] == "gelu" and abs(res["best"]["x"] - 0.3) < 0.1
