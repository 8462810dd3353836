"""Model, train_moments and HybridPipeline against `locus train` / `locus predict` /
`locus pipeline` on the same stars: bit-identical networks and predictions."""
import numpy as np
import pandas as pd
import pytest

import locus
from conftest import S82, S82_PRIORS, read_csv

SHORT = dict(epochs=15, runs=1, sigma_epochs=5, patience=100)
SHORT_FLAGS = ["--epochs", "15", "--runs", "1", "--sigma-epochs", "5", "--patience", "100"]


@pytest.fixture(scope="module")
def labelled(tool, tmp_path_factory):
    d = tmp_path_factory.mktemp("nn")
    out = d / "post.csv"
    tool("posterior", S82, "--priors", S82_PRIORS, "-o", out)
    return out


def nn_cols(df):
    return [c for c in df.columns if c.startswith("nn_")]


def test_train_and_predict_match_the_tool(tool, labelled, tmp_path):
    tool("train", labelled, "-m", tmp_path / "cli", *SHORT_FLAGS)
    tool("predict", S82, "-m", tmp_path / "cli", "-o", tmp_path / "cli_pred.csv")
    cli = read_csv(tmp_path / "cli_pred.csv")

    epochs = []
    model = locus.train_moments(read_csv(labelled), **SHORT, progress=lambda e, n, tl, vl: epochs.append(e))
    assert epochs[:15] == list(range(1, 16))  # the moments network's epochs (then σ_B's)
    model.save(str(tmp_path / "py"))
    for role in ("moments", "sigma_b"):  # the same network, byte for byte
        assert (tmp_path / f"py.{role}.model").read_bytes() == (tmp_path / f"cli.{role}.model").read_bytes()

    s82 = read_csv(S82)
    pred = locus.Model.load(str(tmp_path / "cli")).predict(s82)
    assert len(nn_cols(pred)) == 12
    for c in nn_cols(pred):  # the tool writes float32 columns as shortest float text
        assert np.array_equal(pred[c].to_numpy(), cli[c].to_numpy().astype(np.float32), equal_nan=True), c
    assert np.array_equal(pred["status"].to_numpy(), cli["status"].to_numpy())
    # the raw matrix route agrees with the catalogue route
    x = np.column_stack([s82[c] for c in ("rmag", "ug", "gr", "ri", "iz", "rErr", "ugErr", "grErr", "riErr", "izErr")])
    ok = np.isfinite(x).all(axis=1) & (x != -99).all(axis=1)
    m = locus.Model.load(str(tmp_path / "cli")).predict_matrix(x[ok].astype(np.float32))
    np.testing.assert_array_equal(m["mu"][:, 0], pred["nn_Mr"].to_numpy()[ok])


def test_pipeline_matches_the_tool(tool, tmp_path):
    opts = ["--bayes-stars", "1500", "--check-stars", "300", "--priors", S82_PRIORS, *SHORT_FLAGS, "--no-record"]
    tool("pipeline", S82, "-o", tmp_path / "cli.csv", *opts)
    cli = read_csv(tmp_path / "cli.csv")
    lines = []
    res = locus.HybridPipeline(train=1500, check=300, priors=str(S82_PRIORS), **SHORT).run(read_csv(S82), log=lines.append)
    assert [line[:2] for line in lines] == ["1.", "2.", "3.", "4.", "5."]
    pred = res["predictions"]
    assert len(pred) == 3981 and res["trained_on"] + res["validated_on"] <= 1500
    for c in nn_cols(pred):
        assert np.array_equal(pred[c].to_numpy(), cli[c].to_numpy().astype(np.float32), equal_nan=True), c
    assert "NN − Bayes" in res["table"] and set(res["stage_seconds"]) >= {"2-posterior", "3-train"}
    assert isinstance(res["model"], locus.Model)


def test_model_errors(tmp_path, labelled):
    with pytest.raises(FileNotFoundError, match="nothing.moments.model"):
        locus.Model.load(str(tmp_path / "nothing"))
    model = locus.train_moments(read_csv(labelled), epochs=2, runs=1, sigma_epochs=1)
    with pytest.raises(OSError, match="directory does not exist"):
        model.save(str(tmp_path / "no" / "such" / "dir" / "m"))
    assert not list(tmp_path.glob("**/*.model"))
    with pytest.raises(ValueError, match=r"x must be \[n × 10\]"):
        model.predict_matrix(np.zeros((3, 4), np.float32))
    with pytest.raises(ValueError, match="NaN"):
        model.predict_matrix(np.full((2, 10), np.nan, np.float32))
    with pytest.raises(ValueError, match="bayes_Mr_mean"):
        locus.train_moments(read_csv(S82), epochs=2)
    with pytest.raises(ValueError, match="unknown option 'epoch'"):
        locus.train_moments(read_csv(labelled), epoch=2)
    with pytest.raises(ValueError, match="validation"):
        locus.train_moments(read_csv(labelled), validation=1.5)
