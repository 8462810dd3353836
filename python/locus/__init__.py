"""locus: photometric stellar parameters (Mr, [Fe/H], A_r) from ugriz, from Python.

The functions take a pandas DataFrame or a dict of 1-D numpy arrays (float32 or float64) with
the catalogue column names locus's readers use (rmag, ug, gr, ri, iz, rErr, ugErr, grErr,
riErr, izErr, Ar; truth Mr_true, Ar_true, FeH_true). Another naming is mapped with
``columns={"r": "r_psf", "ug": "u_g", ...}`` (the keys of ``locus --col``). Results come back
in the input's form: a DataFrame with the input's index, or a dict of arrays. Each result has
a ``status`` column (bits, uint32) and ``status_names`` (decoded, "ok" when clean).

The work runs in C++ with the GIL released, so Python threads and Dask's threaded scheduler
run calls in parallel. Ctrl-C stops a long call (KeyboardInterrupt). Errors: ValueError (bad
shape, missing column, bad option, NaN where not allowed), TypeError (wrong dtype or type),
OSError / FileNotFoundError (files). docs/python.md is a worked session.
"""

from __future__ import annotations

import sys

import numpy as np

from . import _core
from ._core import Model

__all__ = [
    "posterior", "simulate_patch", "train_moments", "Model", "HybridPipeline", "toy_ug",
    "Hyperband", "BayesianOptimizer", "write_kde_priors", "status_bits", "STATUS_BITS",
]

STATUS_BITS = dict(_core.status_bits())


def status_bits() -> dict:
    """The status bits by name (``missing_value``, ``no_fit``, ``poor_fit`` ...)."""
    return dict(STATUS_BITS)


def _is_frame(data) -> bool:
    return type(data).__name__ == "DataFrame" and hasattr(data, "columns") and hasattr(data, "index")


def _columns(data) -> dict:
    """A dict of 1-D arrays from a DataFrame (views, no copies) or a mapping."""
    if _is_frame(data):
        return {str(c): data[c].to_numpy(copy=False) for c in data.columns}
    if isinstance(data, dict):
        return data
    raise TypeError(f"locus takes a pandas DataFrame or a dict of arrays, not {type(data).__name__}")


def _result(data, out: dict):
    """The result in the input's form: a DataFrame with the input's index, or the dict."""
    if _is_frame(data):
        import pandas as pd
        return pd.DataFrame(out, index=data.index, copy=False)
    return out


def _progress(progress, label: str):
    """A callable(done, total, *extra) from progress=True (tqdm, else a line on stderr), a
    callable, or None."""
    if progress is None or progress is False:
        return None
    if callable(progress):
        return progress
    try:
        from tqdm import tqdm  # optional
        bar = tqdm(desc=label, unit="it")

        def tick(done, total, *extra):
            bar.total = total
            bar.n = done
            bar.refresh()
            if done >= total:
                bar.close()
        return tick
    except ImportError:
        def tick(done, total, *extra):
            end = "\n" if done >= total else "\r"
            print(f"{label}: {done}/{total}", end=end, file=sys.stderr, flush=True)
        return tick


def posterior(data, *, priors, progress=None, **options):
    """The photo-D posterior of every row (grid or MCMC), as ``locus posterior`` computes it.

    priors: a photo-D prior file, ``"kde"`` (the data's own true Mr, [Fe/H]) or ``"flat"``.
    options (defaults as the CLI's): engine="grid"|"mcmc", ar_scale=1.3, ar_offset=0.1,
    ar_max (flat A_r prior on [0, ar_max]), chi2_max=100, grid_mode="exact"|"brute_force",
    refine=False, walkers=4, steps=500, burn_in=100, jump=0, autocorr=True, seed=1 (MCMC: row
    i uses stream first_index + i), first_index=0, locus="builtin" (or "builtin:5" for the
    5 Gyr table, or a photo-D locus file with t_step=10), threads=0 (all cores),
    on_missing="flag"|"error", missing_sentinel=-99, columns={...}, block_rows (rows between
    looks at Ctrl-C and progress; 65536 for the grid, 1024 for MCMC: about a second each).

    Returns the bayes_* summary columns (mean, sigma, q14, q50, q86 of Mr, Ar, FeH; chi2_min,
    prior_bin, nodes; MCMC: acceptance, tau_*), status and status_names.
    """
    options["priors"] = str(priors)
    out = _core.posterior(_columns(data), options, _progress(progress, "posterior"))
    return _result(data, out)


def simulate_patch(*, as_frame: bool = True, **options):
    """A mock LSST sky patch with known truth (``locus simulate``).

    options: l=35, b=30 (deg), area=10 (deg²), ar_sfd=0.1, snr5=False, r_max=27.5,
    errors="coadd"|"single_visit"|"sdss_like", galaxy="biased"|"corrected",
    ages="same"|"galactic", seed=1, threads=0. Returns a DataFrame (as_frame and pandas
    present) or a dict of arrays.
    """
    out = _core.simulate_patch(options)
    if as_frame:
        try:
            import pandas as pd
        except ImportError:
            return out
        return pd.DataFrame(out, copy=False)
    return out


def write_kde_priors(data, path, **options):
    """Writes the KDE priors of a catalogue with true Mr and [Fe/H] as a photo-D prior file
    (so every process of a distributed run uses the same priors). options: columns, threads."""
    _core.write_kde_priors(_columns(data), str(path), options)
    return str(path)


def train_moments(data, *, progress=None, **options):
    """Trains paper 000's moments and σ_B networks on rows labelled by :func:`posterior`
    (``locus train``). ``data`` holds the star columns and the posterior's bayes_* columns
    (and its status). options: labels="bayes_", validation=0.25, split_seed=1, epochs=1024,
    patience=100, runs=2, sigma_epochs=256, batch=256, learning_rate=1e-3, train_seed=42,
    threads=0, columns. progress: True, or a callable(epoch, epochs, train_loss, val_loss).
    Returns a :class:`Model`."""
    return _core.train_moments(_columns(data), options, _progress(progress, "training"))


def _predict(self, data, **options):
    """The networks on every row: nn_{Mr,Ar,FeH} (μ) with _sigma (σ_total), _sigma_nn and
    _sigma_b; NaN and status no_fit for rows without all ten inputs."""
    return _result(data, self._predict(_columns(data), options))


Model.predict = _predict


class HybridPipeline:
    """Paper 000's hybrid run (``locus pipeline``): the posterior on a sample, the networks
    trained on it, and run on every row.

    options: train=10000, check=2000, validation=0.25, sampling="random"|"stratified_r",
    sample_seed=1, priors="kde", engine="grid"|"mcmc", seed=1, the training options of
    :func:`train_moments`, threads=0, columns.
    """

    def __init__(self, **options):
        self.options = dict(options)

    def run(self, data, *, output=None, run_dir=None, log=None):
        """Returns a dict: predictions (the nn_* columns of every row, as a DataFrame or dict,
        None when written to ``output``), model (:class:`Model`), evaluation (paper 000's
        tables), table (the same as text), stage_seconds, trained_on, validated_on,
        sample_rows. ``log``: a callable given each stage's message (e.g. print)."""
        opts = dict(self.options)
        if output is not None:
            opts["output"] = str(output)
        if run_dir is not None:
            opts["run_dir"] = str(run_dir)
        res = _core.run_pipeline(_columns(data), opts, log)
        res["predictions"] = _result(data, res["predictions"]) if "predictions" in res else None
        return res


def toy_ug(n, *, prior="uniform", sigma_feh=0.1, sigma_ug=0.1, seed=1):
    """Paper 000's Appendix toy model: n stars with true and noisy [Fe/H] and u−g."""
    return _core.toy_ug(int(n), prior, float(sigma_feh), float(sigma_ug), int(seed))


class Hyperband:
    """Hyperband over a search space (the JSON form of docs/tuning.md, as a dict).

    The objective is ``objective(config: dict, budget: float) -> float`` (a loss). It runs with
    the GIL held; with threads > 1, objectives that release it (locus calls do) run in
    parallel. An exception in the objective stops the search and is raised here; the journal
    keeps every finished evaluation, so a rerun resumes.
    """

    def __init__(self, space, *, max_budget=81, eta=3, iterations=1, seed=0, journal=None, threads=1,
                 progress=False):
        self.space = space
        self.options = dict(max_budget=float(max_budget), eta=float(eta), iterations=int(iterations), seed=int(seed),
                            journal=str(journal) if journal else None, threads=int(threads), progress=bool(progress))

    def run(self, objective):
        """Returns {history: [...], best: config, best_loss, wall_seconds}."""
        return _core.hyperband(self.space, objective, self.options)


class BayesianOptimizer:
    """Gaussian-process Bayesian optimisation over a search space (see :class:`Hyperband`).
    The objective is ``objective(config: dict) -> float``."""

    def __init__(self, space, *, initial_points=10, batch=1, seed=0, journal=None, threads=1, progress=False):
        self.space = space
        self.options = dict(initial_points=int(initial_points), batch=int(batch), seed=int(seed),
                            journal=str(journal) if journal else None, threads=int(threads), progress=bool(progress))

    def run(self, objective, n_trials):
        return _core.bayes_opt(self.space, objective, int(n_trials), self.options)
