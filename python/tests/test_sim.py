"""simulate_patch against `locus simulate` (the same catalogue), and the toy model against
its closed form (Eq. A1) and stated noise."""
import numpy as np

import locus
from conftest import read_csv


def test_simulate_patch_matches_the_tool(tool, tmp_path):
    tool("simulate", "--area", "0.1", "--seed", "11", "--ages", "galactic", "-o", tmp_path / "m.csv")
    cli = read_csv(tmp_path / "m.csv")
    py = locus.simulate_patch(area=0.1, seed=11, ages="galactic")
    assert list(py.columns) == [c for c in cli.columns if c != "status"] + ["status", "status_names"]
    for c in cli.columns:
        assert np.array_equal(py[c].to_numpy(), cli[c].to_numpy(), equal_nan=True), c
    d = locus.simulate_patch(area=0.1, seed=11, ages="galactic", as_frame=False)
    assert isinstance(d, dict) and np.array_equal(d["rmag"], py["rmag"].to_numpy())


def test_toy_model_closed_form_and_noise():
    s = locus.toy_ug(200000, prior="binormal", sigma_feh=0.1, sigma_ug=0.05, seed=3)
    np.testing.assert_allclose(s["ug_true"], 0.84 + 0.34 * 10 ** (0.45 * s["feh_true"]), rtol=1e-14)
    # noise: σ within 1 % (the standard error of a σ estimate from 2e5 draws is 0.16 %)
    assert abs(np.std(s["ug"] - s["ug_true"]) / 0.05 - 1) < 0.01
    assert abs(np.std(s["feh"] - s["feh_true"]) / 0.1 - 1) < 0.01
    # binormal prior: the first half from N(-1.5, 0.3), the second from N(-0.5, 0.2)
    a, b = s["feh_true"][:100000], s["feh_true"][100000:]
    assert abs(a.mean() + 1.5) < 0.005 and abs(b.mean() + 0.5) < 0.005
    same = locus.toy_ug(10, seed=3)
    assert np.array_equal(same["feh"], locus.toy_ug(10, seed=3)["feh"])
