"""locus.dask on a real dask.distributed.LocalCluster with 2 worker processes: the posterior
over a partitioned mock is bit-identical to the single-process run for any partitioning, and
the hybrid route ships its model to the workers."""
import numpy as np
import pandas as pd
import pytest

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("dask.distributed")

import locus  # noqa: E402
import locus.dask as ld  # noqa: E402


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=None, silence_logs=40)
    c = distributed.Client(cluster)
    yield c
    c.close()
    cluster.close()


@pytest.fixture(scope="module")
def mock(tmp_path_factory):
    df = locus.simulate_patch(area=0.05, seed=21)
    priors = locus.write_kde_priors(df, tmp_path_factory.mktemp("dask") / "priors.csv")
    return df, priors


def frame(df, parts):
    return dd.from_pandas(df, npartitions=parts, sort=False)


def test_posterior_bit_identical_whatever_the_partitioning(client, mock):
    df, priors = mock
    assert len(client.scheduler_info()["workers"]) == 2
    opts = dict(priors=priors, engine="mcmc", steps=60, burn_in=10, seed=9)
    ref = locus.posterior(df, **opts)
    for parts in (1, 3, 7):
        got = ld.posterior(frame(df, parts), **opts).compute()
        assert list(got.columns) == list(ref.columns)
        assert got.index.equals(df.index)
        for c in ref.columns:
            assert np.array_equal(got[c].to_numpy(), ref[c].to_numpy(), equal_nan=True) if c != "status_names" \
                else list(got[c]) == list(ref[c]), (parts, c)
    grid = ld.posterior(frame(df, 4), priors=priors).compute()
    np.testing.assert_array_equal(grid["bayes_Mr_mean"].to_numpy(), locus.posterior(df, priors=priors)["bayes_Mr_mean"])


def test_schema_is_declared(mock):
    df, priors = mock
    lazy = ld.posterior(frame(df, 2), priors=priors)
    assert "bayes_FeH_q50" in lazy.columns and str(lazy.dtypes["status"]) == "uint32"
    with pytest.raises(ValueError, match="write_kde_priors"):
        ld.posterior(frame(df, 2), priors="kde")


def test_hybrid_route(client, mock, tmp_path):
    df, priors = mock
    lines = []
    pred, model, sample = ld.hybrid(frame(df, 5), priors=priors, train=1200, seed=3, model_dir=tmp_path,
                                    epochs=10, runs=1, sigma_epochs=3, log=lines.append)
    # the sample does not depend on the partitioning
    _, _, sample3 = ld.hybrid(frame(df, 3), priors=priors, train=1200, seed=3, epochs=1, runs=1, sigma_epochs=1)
    assert sample.index.equals(sample3.index) and 900 < len(sample) < 1500
    out = pred.compute()
    assert len(out) == len(df) and out.index.equals(df.index)
    # the workers' predictions are the saved model's
    local = locus.Model.load(str(tmp_path / "model")).predict(df)
    for c in local.columns:
        if c.startswith("nn_"):
            assert np.array_equal(out[c].to_numpy(), local[c].to_numpy(), equal_nan=True), c
    assert (tmp_path / "model.moments.model").exists() and len(lines) == 2
