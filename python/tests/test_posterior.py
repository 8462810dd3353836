"""locus.posterior against `locus posterior` on the same stars: bit-identical summaries and
status, for the grid (S82 with photo-D's priors, a mock with KDE priors) and MCMC."""
import numpy as np
import pandas as pd
import pytest

import locus
from conftest import S82, S82_PRIORS, read_csv


def assert_same(py, cli):
    cols = [c for c in py.columns if c.startswith("bayes_")]
    assert cols
    for c in cols:
        a, b = py[c].to_numpy(), cli[c].to_numpy()
        assert np.array_equal(a, b, equal_nan=True), f"{c}: max |diff| {np.nanmax(np.abs(a - b))}"
    assert np.array_equal(py["status"].to_numpy(), cli["status"].to_numpy())


def test_grid_s82_bit_identical(tool, tmp_path):
    out = tmp_path / "post.csv"
    tool("posterior", S82, "--priors", S82_PRIORS, "-o", out)
    cli = read_csv(out)
    py = locus.posterior(read_csv(S82), priors=S82_PRIORS)
    assert len(py) == 3981
    assert_same(py, cli)
    # the decoded names agree with the bits
    bits = locus.status_bits()
    for s, names in zip(py["status"], py["status_names"]):
        assert names == "ok" if s == 0 else all(s & bits[n] for n in names.split("|"))


def test_grid_mock_kde_bit_identical(tool, mock_csv, tmp_path):
    out = tmp_path / "post.csv"
    tool("posterior", mock_csv, "--priors", "kde", "-o", out)
    py = locus.posterior(read_csv(mock_csv), priors="kde")
    assert_same(py, read_csv(out))


def test_mcmc_bit_identical_and_independent_of_blocks(tool, mock_csv, tmp_path):
    df = read_csv(mock_csv).head(600)
    src = tmp_path / "in.csv"
    df.to_csv(src, index=False, float_format="%.17g")
    out = tmp_path / "post.csv"
    tool("posterior", src, "--priors", "flat", "--engine", "mcmc", "--steps", "120", "--burn-in", "20",
         "--mcmc-seed", "5", "-o", out)
    opts = dict(priors="flat", engine="mcmc", steps=120, burn_in=20, seed=5)
    whole = locus.posterior(read_csv(src), **opts)
    assert_same(whole, read_csv(out))
    # cut anywhere, with first_index: the same stars get the same chains
    a = locus.posterior(df.iloc[:250], **opts, block_rows=64)
    b = locus.posterior(df.iloc[250:], **opts, first_index=250, threads=1)
    both = pd.concat([a, b])
    for c in whole.columns:
        if c.startswith("bayes_"):
            assert np.array_equal(both[c].to_numpy(), whole[c].to_numpy(), equal_nan=True), c


def test_dict_float32_and_dataframe_agree():
    df = read_csv(S82).head(300)
    cols = {c: df[c].to_numpy() for c in df.columns if df[c].dtype.kind == "f"}
    as_dict = locus.posterior(cols, priors=S82_PRIORS)
    assert isinstance(as_dict, dict) and as_dict["bayes_Mr_mean"].shape == (300,)
    as_frame = locus.posterior(df, priors=S82_PRIORS)
    assert list(as_frame.index) == list(df.index)
    np.testing.assert_array_equal(as_frame["bayes_FeH_mean"].to_numpy(), as_dict["bayes_FeH_mean"])
    # float32 columns are read as float32 (widened exactly): same as float64 of the rounded values
    f32 = {k: v.astype(np.float32) for k, v in cols.items()}
    r32 = locus.posterior(f32, priors=S82_PRIORS)
    r64 = locus.posterior({k: v.astype(np.float64) for k, v in f32.items()}, priors=S82_PRIORS)
    np.testing.assert_array_equal(r32["bayes_Mr_mean"], r64["bayes_Mr_mean"])
    # strided (non-contiguous) columns are fine
    strided = {k: np.repeat(v, 2)[::2] for k, v in cols.items()}
    np.testing.assert_array_equal(locus.posterior(strided, priors=S82_PRIORS)["bayes_Mr_mean"], as_dict["bayes_Mr_mean"])


def test_missing_values_flagged_or_refused():
    df = read_csv(S82).head(50).copy()
    df.loc[3, "gr"] = np.nan
    df.loc[7, "ri"] = -99.0  # the sentinel
    res = locus.posterior(df, priors=S82_PRIORS)
    for row in (3, 7):
        assert res["status_names"][row].split("|")[0] == "missing_value"
        assert np.isnan(res["bayes_Mr_mean"][row])
    assert res["status_names"][0] == "ok"
    with pytest.raises(ValueError, match="'gr', row 3"):
        locus.posterior(df, priors=S82_PRIORS, on_missing="error")


def test_progress_callback_and_threads_do_not_change_results():
    df = read_csv(S82).head(500)
    seen = []
    a = locus.posterior(df, priors=S82_PRIORS, block_rows=100, progress=lambda d, t: seen.append((d, t)))
    assert seen == [(k, 500) for k in (100, 200, 300, 400, 500)]
    b = locus.posterior(df, priors=S82_PRIORS, threads=1)
    np.testing.assert_array_equal(a["bayes_Mr_q50"], b["bayes_Mr_q50"])
