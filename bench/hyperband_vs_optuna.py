#!/usr/bin/python3
"""Hyperband over paper 000's architecture space: locus (examples/hyperband_paper) next to
Optuna's HyperbandPruner + PyTorch, on the same space, data, training recipe and budget.

Space: 1-10 hidden layers, 1-50 units and one of 12 activations per layer, then a 6-unit
linear output (the moments network). Budget in epochs, R = 81, eta = 3. Training: Adam
(lr 0.01), ReduceLROnPlateau (factor 0.9, patience 10), paper 000's weighted moments loss
(weights 1/0.1^2, 1/0.02^2, 1/0.1^2), batch 1024, on 7,500 + 2,500 synthetic stars (the
same mapping as the C++ example, drawn here with numpy).

Optuna: RandomSampler (Hyperband samples at random too) and HyperbandPruner(min_resource=1,
max_resource=81, reduction_factor=3); each trial trains epoch by epoch, reports its
validation loss and stops when pruned. Both sides run the complete R = 81 bracket set: locus
its 143 models (brackets s = 4..0), Optuna one study of as many trials (the pruner spreads
them over its brackets itself). Optuna gets its natural set-up: one study.optimize call with
n_jobs = 2 (locus's thread count), so a finished trial is replaced at once (no waiting for a
partner), and torch.set_num_threads(1) per model (with 2 intra-op threads per model PyTorch
was 10x slower per epoch on this machine). locus trains 2 models at a time, one thread each.

Reported: models/hour and epochs/s over each tuning run (locus: the run's own wall time,
after data generation; Optuna: study.optimize), and epochs per model. Optuna's pruner trains
more epochs per model than synchronous Hyperband (early trials have no rung peers yet, so
they run long): that part of a models/hour ratio comes from the algorithm, not from speed;
the epochs/s ratio is the speed.

usage: /usr/bin/python3 bench/hyperband_vs_optuna.py [path/to/hyperband_paper] [--max-seconds 1200]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time

import numpy as np

try:
    import optuna
    import torch
except ImportError as e:
    sys.exit(f"needs optuna and torch for /usr/bin/python3: {e}")

here = os.path.dirname(os.path.abspath(__file__))
ap = argparse.ArgumentParser()
ap.add_argument("binary", nargs="?", default=os.path.join(here, "..", "build", "examples/hyperband_paper"))
ap.add_argument("--max-seconds", type=float, default=1200.0)
cli = ap.parse_args()
binary, max_seconds = cli.binary, cli.max_seconds
if not os.path.exists(binary):
    sys.exit(f"hyperband_paper binary not found at {binary}; pass its path")

# ---- locus ---------------------------------------------------------------------------------
with tempfile.TemporaryDirectory() as tmp:
    out = os.path.join(tmp, "hb.json")
    t0 = time.perf_counter()
    subprocess.run([binary, "--threads", "2", "--json", out], check=True, stdout=subprocess.DEVNULL)
    locus_wall = time.perf_counter() - t0
    lr = json.load(open(out))

# ---- Optuna + PyTorch ----------------------------------------------------------------------
torch.set_num_threads(1)
torch.manual_seed(0)
rng = np.random.default_rng(2025)


def make(n):
    c = rng.uniform(-1, 1, size=(n, 5))
    e = 0.02 + 0.1 * rng.uniform(size=(n, 5)) * rng.uniform(size=(n, 5))
    x = np.hstack([c + e * rng.normal(size=(n, 5)), e])
    s = np.stack([0.1 + 0.2 * np.abs(c[:, 3]), 0.01 + 0.03 * (1 + c[:, 0]), 0.15 * (1.2 + c[:, 4])], axis=1)
    m = np.stack([4 + 3 * np.sin(1.5 * c[:, 0]) + c[:, 1] * c[:, 2], 0.5 + 0.3 * c[:, 1] ** 2 + 0.2 * c[:, 4],
                  -1 + np.tanh(2 * c[:, 2]) + 0.3 * c[:, 3] * c[:, 4]], axis=1)
    y = m + s * rng.normal(size=(n, 3))
    return torch.tensor(x, dtype=torch.float32), torch.tensor(y, dtype=torch.float32)


xt, yt = make(7500)
xv, yv = make(2500)
W = torch.tensor([1 / 0.1 ** 2, 1 / 0.02 ** 2, 1 / 0.1 ** 2])


def moments_loss(p, y):
    mu, sig = p[:, :3], p[:, 3:]
    e2 = (y - mu) ** 2
    return ((e2 + (e2 - sig ** 2) ** 2).mean(dim=0) * W).sum()


ACTS = {"elu": torch.nn.ELU, "gelu": torch.nn.GELU, "hard_sigmoid": torch.nn.Hardsigmoid,
        "linear": torch.nn.Identity, "relu": torch.nn.ReLU, "selu": torch.nn.SELU, "sigmoid": torch.nn.Sigmoid,
        "softmax": lambda: torch.nn.Softmax(dim=1), "softplus": torch.nn.Softplus, "softsign": torch.nn.Softsign,
        "swish": torch.nn.SiLU, "tanh": torch.nn.Tanh}
epochs_done = 0
lock = threading.Lock()


def objective(trial):
    global epochs_done
    layers = trial.suggest_int("layers", 1, 10)
    mods, inp = [], 10
    for k in range(1, layers + 1):
        u = trial.suggest_int(f"units_{k}", 1, 50)
        a = trial.suggest_categorical(f"activation_{k}", list(ACTS))
        mods += [torch.nn.Linear(inp, u), ACTS[a]()]
        inp = u
    mods.append(torch.nn.Linear(inp, 6))
    net = torch.nn.Sequential(*mods)
    opt = torch.optim.Adam(net.parameters(), lr=0.01, eps=1e-7)
    sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.9, patience=10)
    best = float("inf")
    for epoch in range(1, 82):
        perm = torch.randperm(xt.shape[0])
        net.train()
        for b in range(0, xt.shape[0], 1024):
            idx = perm[b:b + 1024]
            opt.zero_grad()
            loss = moments_loss(net(xt[idx]), yt[idx])
            loss.backward()
            opt.step()
        with torch.no_grad():
            v = moments_loss(net(xv), yv).item()
        sched.step(v)
        with lock:
            epochs_done += 1
        best = min(best, v) if np.isfinite(v) else best
        trial.report(v, epoch)
        if trial.should_prune():
            raise optuna.TrialPruned()
    return best


optuna.logging.set_verbosity(optuna.logging.WARNING)
study = optuna.create_study(direction="minimize", sampler=optuna.samplers.RandomSampler(seed=1),
                            pruner=optuna.pruners.HyperbandPruner(min_resource=1, max_resource=81, reduction_factor=3))
n_models = lr["models"]  # the complete R = 81, eta = 3 bracket set
t0 = time.perf_counter()
study.optimize(objective, n_trials=n_models, n_jobs=2, timeout=max_seconds)
optuna_wall = time.perf_counter() - t0
n_trials = len(study.trials)
complete = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
pruned = [t for t in study.trials if t.state == optuna.trial.TrialState.PRUNED]

locus_mph = lr["models"] / (lr["wall_seconds"] / 3600)
optuna_mph = n_trials / (optuna_wall / 3600)
locus_eps = lr["epochs_trained"] / lr["wall_seconds"]
optuna_eps = epochs_done / optuna_wall
print("Hyperband over paper 000's space, R = 81, eta = 3 (complete bracket set), 7,500 + 2,500 synthetic stars, "
      "2 models at a time x 1 thread\n")
print("| implementation | models | epochs trained | epochs/model | wall time (s) | models/hour | epochs/s | best val. loss |")
print("|---|---|---|---|---|---|---|---|")
print(f"| locus Hyperband | {lr['models']} | {lr['epochs_trained']} | {lr['epochs_trained'] / lr['models']:.1f} "
      f"| {lr['wall_seconds']:.1f} | {locus_mph:,.0f} | {locus_eps:.1f} | {lr['best_loss']:.4g} |")
best_optuna = study.best_value if complete else float("nan")
print(f"| Optuna HyperbandPruner + PyTorch (n_jobs=2) | {n_trials} ({len(complete)} complete, {len(pruned)} pruned) "
      f"| {epochs_done} | {epochs_done / max(n_trials, 1):.1f} | {optuna_wall:.1f} | {optuna_mph:,.0f} | {optuna_eps:.1f} "
      f"| {best_optuna:.4g} |")
print(f"\nratio: {locus_mph / optuna_mph:.1f}x models/hour, {locus_eps / optuna_eps:.1f}x epochs/s "
      f"(locus process wall incl. start-up and data generation: {locus_wall:.1f} s)")
if n_trials < n_models:
    print(f"Optuna stopped at --max-seconds after {n_trials} of {n_models} trials.")
