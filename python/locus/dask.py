"""locus on Dask: the posterior, the networks and the hybrid route over the partitions of a
Dask DataFrame (an LSDB/HATS catalogue's frame works the same way).

Results do not depend on the partitioning: each partition is told the global row number of
its first row, so MCMC row i always uses random stream i, and the hybrid route's sample is
chosen by a key of (seed, global row). Dask schedules the work; locus adds no scheduler.
"""

from __future__ import annotations

import hashlib
import os
import tempfile

import numpy as np
import pandas as pd

import locus

__all__ = ["posterior", "predict", "hybrid", "row_offsets"]


def _lengths(ddf) -> list:
    return [int(x) for x in ddf.map_partitions(len).compute()]


def row_offsets(ddf, lengths=None) -> tuple:
    """The global row number of each partition's first row (one pass over the lengths)."""
    lengths = _lengths(ddf) if lengths is None else lengths
    return tuple(int(x) for x in np.concatenate([[0], np.cumsum(np.asarray(lengths, dtype=np.int64))[:-1]]))


def _check_priors(options, where):
    if str(options.get("priors")) == "kde":
        raise ValueError(f"locus.dask.{where}: KDE priors would be made per partition; build them once with "
                         "locus.write_kde_priors(frame or sample, path) and pass priors=path")


def _meta(fn, frame, **options):
    """The output schema: the function on no rows (flat priors give the same columns)."""
    empty = frame._meta if hasattr(frame, "_meta") else frame.iloc[:0]
    return fn(empty, **options)


def _first_row(offsets, partition_info):
    """The global row number of this partition's first row (Dask passes partition_info)."""
    return offsets[partition_info["number"]] if partition_info is not None else 0


def _posterior_part(part, offsets=(), partition_info=None, **options):
    first = _first_row(offsets, partition_info)
    return locus.posterior(part, first_index=first + options.pop("first_index", 0), **options)


def posterior(ddf, *, priors, **options):
    """:func:`locus.posterior` on every partition; returns a lazy Dask DataFrame with the
    input's divisions. ``priors``: a prior file or "flat" (for a mock, write KDE priors once
    with :func:`locus.write_kde_priors`)."""
    options = dict(options, priors=str(priors))
    options.setdefault("threads", 1)  # Dask runs the partitions in parallel
    _check_priors(options, "posterior")
    offsets = row_offsets(ddf) if options.get("engine", "grid") == "mcmc" else (0,) * ddf.npartitions
    meta = _meta(locus.posterior, ddf, **dict(options, priors="flat", threads=1))
    return ddf.map_partitions(_posterior_part, offsets=offsets, meta=meta, align_dataframes=False, **options)


# ---- models on workers ---------------------------------------------------------------------

_models: dict = {}


def model_bytes(prefix) -> dict:
    """A saved model's files as bytes (what is shipped to the workers)."""
    out = {}
    for role in ("moments", "sigma_b"):
        path = f"{prefix}.{role}.model"
        if os.path.exists(path):
            with open(path, "rb") as f:
                out[role] = f.read()
    if "moments" not in out:
        raise FileNotFoundError(f"model file '{prefix}.moments.model' does not exist")
    return out


def _model_from_bytes(files: dict):
    key = hashlib.sha256(b"".join(files[k] for k in sorted(files))).hexdigest()
    m = _models.get(key)
    if m is None:
        with tempfile.TemporaryDirectory(prefix="locus-model-") as d:
            prefix = os.path.join(d, "model")
            for role, data in files.items():
                with open(f"{prefix}.{role}.model", "wb") as f:
                    f.write(data)
            m = locus.Model.load(prefix)
        _models[key] = m
    return m


def _predict_part(part, files=None, **options):
    return _model_from_bytes(files).predict(part, **options)


def predict(ddf, model, **options):
    """The networks on every partition. ``model``: a saved model's prefix, or the bytes
    :func:`model_bytes` returns; the files travel to each worker once (in the task graph,
    broadcast by Dask) and are loaded once per worker process."""
    files = model if isinstance(model, dict) else model_bytes(model)
    options.setdefault("threads", 1)
    meta = _meta(lambda f, **o: _model_from_bytes(files).predict(f, **o), ddf, **dict(options, threads=1))
    return ddf.map_partitions(_predict_part, files=files, meta=meta, **options)


# ---- the hybrid route ------------------------------------------------------------------------

def _sample_part(part, fraction, seed, offsets=(), partition_info=None):
    # the pipeline's own key of (seed, global row): the sample ignores the partitioning
    keep = locus._core.row_keys(_first_row(offsets, partition_info), len(part), seed) < fraction
    return part[keep]


def hybrid(ddf, *, priors, train=10000, seed=1, model_dir=None, posterior_options=None, log=None, **training):
    """Paper 000's hybrid route on a Dask DataFrame.

    1. A sample of about ``train`` rows, drawn across all partitions by a key of (seed, global
       row), is brought to the driver.
    2. The posterior labels it and the networks are trained on it (in this process, on its
       cores).
    3. The model files are saved (under ``model_dir``, else a temporary directory) and shipped
       to the workers, which predict every partition.

    Returns (predictions: lazy Dask DataFrame, model: locus.Model, sample: pandas DataFrame of
    the labelled sample with its posterior columns).
    """
    say = log or (lambda s: None)
    lengths = _lengths(ddf)
    offsets, n = row_offsets(ddf, lengths), sum(lengths)
    fraction = min(1.0, train / max(n, 1))
    sample = ddf.map_partitions(_sample_part, fraction, seed, offsets=offsets, meta=ddf._meta).compute()
    say(f"sample: {len(sample)} of {n} rows")
    popts = dict(posterior_options or {}, priors=str(priors))
    _check_priors(popts, "hybrid")
    labelled = pd.concat([sample, locus.posterior(sample, **popts)], axis=1)
    model = locus.train_moments(labelled, **training)
    say(f"trained on {len(labelled)} labelled rows")
    tmp = None
    if model_dir is None:
        tmp = tempfile.mkdtemp(prefix="locus-hybrid-")
        model_dir = tmp
    prefix = os.path.join(str(model_dir), "model")
    model.save(prefix)
    files = model_bytes(prefix)
    return predict(ddf, files), model, labelled
