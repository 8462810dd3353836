#!/usr/bin/python3
"""Paper 004's residual multitask network and paper 000's network with BatchNorm + Dropout:
training and inference, locus vs PyTorch, in the same run, one thread.

usage: /usr/bin/python3 bench/paper_nets_vs_torch.py BUILD_DIR [--train 40000] [--rows 200000]
                                                     [--epochs 5] [--rounds 5] [--jit]

Both sides use the same rows: BUILD_DIR/bench/bench_paper_nets builds the photometric task
(examples/photometric_task.hpp) and dumps it as raw float32, and PyTorch reads those files.
Networks (see bench/bench_paper_nets.cpp):
  p004    stem Linear(10,128) LayerNorm GELU; residual block body Linear(128,64) LayerNorm
          GELU Dropout(0.4), shortcut LayerNorm(128) Linear(128,64); LayerNorm(64); heads
          64-48-32-1, 64-48-1, 64-16-1 (GELU), concatenated. Huber(1) on standardised targets,
          AdamW(lr 1e-3, eps 1e-7, weight decay 0.01), 5 % linear warm-up + cosine per step.
  p000bn  10-45-45-42-33-36-6 with GELU, Softsign, Softsign, Sigmoid, GELU, each hidden layer
          Linear -> activation -> BatchNorm1d -> Dropout(0.1); moments loss of Eq. 2 (targets in
          their own units), Adam(lr 1e-3, eps 1e-7).
Batch 256, rows shuffled every epoch, no validation pass, float32, one thread on both sides.
Training: one warm-up epoch, then per round a run of --epochs epochs (ms/epoch = wall / epochs);
inference: a predict of --rows rows (PyTorch: model.eval() + torch.inference_mode(), the whole
tensor in one call and in 16,384-row batches; also with the linear layers through oneDNN, torch.utils.mkldnn.to_mkldnn, as bench/inference_vs_torch.py does). --jit also
times torch.jit.trace + torch.jit.freeze for inference. The table's inference ratio is against
the fastest PyTorch route measured. locus and PyTorch alternate round by
round; medians over rounds are reported.
"""
import argparse
import copy
import math
import os
import statistics
import subprocess
import tempfile
import time

import numpy as np
import torch
from torch.utils import mkldnn as mkldnn_utils

p = argparse.ArgumentParser()
p.add_argument("build_dir")
p.add_argument("--train", type=int, default=40000)
p.add_argument("--rows", type=int, default=200000)
p.add_argument("--epochs", type=int, default=5)
p.add_argument("--rounds", type=int, default=5)
p.add_argument("--jit", action="store_true")
args = p.parse_args()

torch.set_num_threads(1)
torch.manual_seed(0)
nn = torch.nn
F = torch.nn.functional
BATCH = 256
tmp = tempfile.TemporaryDirectory()


def run_locus(dump=False):
    cmd = [f"{args.build_dir}/bench/bench_paper_nets", "--train", str(args.train), "--rows", str(args.rows),
           "--epochs", str(args.epochs), "--repeats", "1"]
    if dump:
        cmd += ["--dump", tmp.name]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return {k: float(v) for k, v in (line.split() for line in out.strip().splitlines())}


def load(name, cols):
    return torch.from_numpy(np.fromfile(os.path.join(tmp.name, name), dtype=np.float32).reshape(-1, cols))


class Softsign(nn.Module):
    def forward(self, v):
        return F.softsign(v)


class P004(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Linear(10, 128), nn.LayerNorm(128), nn.GELU())
        self.body = nn.Sequential(nn.Linear(128, 64), nn.LayerNorm(64), nn.GELU(), nn.Dropout(0.4))
        self.shortcut = nn.Sequential(nn.LayerNorm(128), nn.Linear(128, 64))
        self.norm = nn.LayerNorm(64)
        self.heads = nn.ModuleList([
            nn.Sequential(nn.Linear(64, 48), nn.GELU(), nn.Linear(48, 32), nn.GELU(), nn.Linear(32, 1)),
            nn.Sequential(nn.Linear(64, 48), nn.GELU(), nn.Linear(48, 1)),
            nn.Sequential(nn.Linear(64, 16), nn.GELU(), nn.Linear(16, 1))])

    def forward(self, x):
        h = self.stem(x)
        h = self.norm(self.body(h) + self.shortcut(h))
        return torch.cat([head(h) for head in self.heads], dim=1)


def p000bn():
    sizes = [10, 45, 45, 42, 33, 36, 6]
    acts = [nn.GELU, Softsign, Softsign, nn.Sigmoid, nn.GELU]
    mods = []
    for i in range(5):
        mods += [nn.Linear(sizes[i], sizes[i + 1]), acts[i](), nn.BatchNorm1d(sizes[i + 1]), nn.Dropout(0.1)]
    mods.append(nn.Linear(36, 6))
    return nn.Sequential(*mods)


W = torch.tensor([1 / 0.1**2, 1 / 0.02**2, 1 / 0.1**2])


def moments_loss(pred, y):
    mu, s = pred[:, :3], pred[:, 3:]
    e2 = (y - mu) ** 2
    return (W * (e2 + (e2 - s * s) ** 2).mean(dim=0)).sum()


def huber(pred, y):
    return F.huber_loss(pred, y, delta=1.0)


def warmup_cosine(total):
    warm = int(0.05 * total)

    def f(step):
        if step < warm:
            return (step + 1) / warm
        return 0.5 * (1 + math.cos(math.pi * (step - warm) / max(1, total - warm)))
    return f


def train(net, loss_fn, make_opt, x, y, epochs, schedule):
    net.train()
    opt = make_opt(net)
    n = x.shape[0]
    sched = None
    if schedule:
        sched = torch.optim.lr_scheduler.LambdaLR(opt, warmup_cosine(epochs * math.ceil(n / BATCH)))
    for _ in range(epochs):
        perm = torch.randperm(n)
        for b in range(0, n, BATCH):
            idx = perm[b:b + BATCH]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(net(x[idx]), y[idx])
            loss.backward()
            opt.step()
            if sched:
                sched.step()
    return loss.item()


def predict_whole(net, x):
    with torch.inference_mode():
        return net(x)


def predict_batched(net, x):
    with torch.inference_mode():
        return torch.cat([net(x[b:b + 16384]) for b in range(0, x.shape[0], 16384)])


def timed(fn):
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


first = run_locus(dump=True)
x = load("x_train.f32", 10)
y_std = load("y_train_std.f32", 3)
y = load("y_train.f32", 3)
xt = load("x_test.f32", 10)
assert x.shape[0] == args.train and xt.shape[0] == args.rows

adamw = lambda net: torch.optim.AdamW(net.parameters(), lr=1e-3, eps=1e-7, weight_decay=0.01)
adam = lambda net: torch.optim.Adam(net.parameters(), lr=1e-3, eps=1e-7)
nets = {"p004": (P004(), huber, adamw, y_std, True), "p000bn": (p000bn(), moments_loss, adam, y, False)}
for name, (net, loss_fn, make_opt, yy, sch) in nets.items():
    n_par = sum(q.numel() for q in net.parameters())
    assert n_par == int(first[f"{name}_parameters"]), (name, n_par, first[f"{name}_parameters"])
    train(net, loss_fn, make_opt, x, yy, 1, sch)  # warm-up epoch
    net.eval()
    predict_batched(net, xt[:20000])

res = {f"{name}_{k}": [] for name in nets for k in ("locus_train", "locus_pred", "torch_train", "torch_pred_whole",
                                                      "torch_pred_batched", "torch_pred_onednn",
                                                      "torch_pred_jit")}
loads = []
for r in range(args.rounds):
    loads.append(os.getloadavg()[0])
    loc = first if r == 0 else run_locus()
    for name, (net, loss_fn, make_opt, yy, sch) in nets.items():
        res[f"{name}_locus_train"].append(loc[f"{name}_ms_per_epoch"])
        res[f"{name}_locus_pred"].append(loc[f"{name}_predict_seconds"])
        res[f"{name}_torch_train"].append(1e3 * timed(lambda: train(net, loss_fn, make_opt, x, yy, args.epochs, sch))
                                          / args.epochs)
        net.eval()
        res[f"{name}_torch_pred_whole"].append(timed(lambda: predict_whole(net, xt)))
        res[f"{name}_torch_pred_batched"].append(timed(lambda: predict_batched(net, xt)))
        onednn = mkldnn_utils.to_mkldnn(copy.deepcopy(net).eval())
        with torch.inference_mode():
            assert torch.allclose(onednn(xt[:1000]), net(xt[:1000]), atol=1e-4)
        res[f"{name}_torch_pred_onednn"].append(timed(lambda: predict_batched(onednn, xt)))
        if args.jit:
            with torch.inference_mode():
                frozen = torch.jit.freeze(torch.jit.trace(net.eval(), xt[:1024]))
                for _ in range(3):
                    frozen(xt[:16384])
            res[f"{name}_torch_pred_jit"].append(timed(lambda: predict_batched(frozen, xt)))
    print(f"round {r + 1}/{args.rounds} done, load average {loads[-1]:.2f}", flush=True)

med = {k: statistics.median(v) for k, v in res.items() if v}
print()
print(f"torch {torch.__version__}, {torch.get_num_threads()} thread; {args.train} training rows, batch {BATCH}, "
      f"{args.epochs} epochs per round; predict of {args.rows} rows; medians of {args.rounds} rounds; "
      f"1-min load average at the rounds' starts: {', '.join(f'{v:.2f}' for v in loads)}")
titles = {"p004": "paper 004 proposed (residual multitask)", "p000bn": "paper 000 + BatchNorm + Dropout"}
print()
print("| network | parameters | locus ms/epoch | PyTorch ms/epoch | training ratio | locus rows/s | "
      "PyTorch rows/s (fastest route) | inference ratio |")
print("|---|---|---|---|---|---|---|---|")
for name in nets:
    lt, tt = med[f"{name}_locus_train"], med[f"{name}_torch_train"]
    lp = med[f"{name}_locus_pred"]
    routes = [k for k in ("whole", "batched", "onednn", "jit") if f"{name}_torch_pred_{k}" in med]
    fastest = min(routes, key=lambda k: med[f"{name}_torch_pred_{k}"])
    tp = med[f"{name}_torch_pred_{fastest}"]
    print(f"| {titles[name]} | {int(first[name + '_parameters']):,} | {lt:.1f} | {tt:.1f} | {tt / lt:.1f}x | "
          f"{args.rows / lp:,.0f} | {args.rows / tp:,.0f} ({fastest}) | {tp / lp:.1f}x |")
print()
for name in nets:
    print(f"{name}: per round, training ratio " +
          ", ".join(f"{t / l:.1f}" for t, l in zip(res[f"{name}_torch_train"], res[f"{name}_locus_train"])) +
          "; inference ratio (16k batches) " +
          ", ".join(f"{t / l:.1f}" for t, l in zip(res[f"{name}_torch_pred_batched"], res[f"{name}_locus_pred"])))
    line = (f"{name}: PyTorch predict whole {med[name + '_torch_pred_whole']:.4f} s, "
            f"16k batches {med[name + '_torch_pred_batched']:.4f} s, linear layers through oneDNN (16k batches) "
            f"{med[name + '_torch_pred_onednn']:.4f} s ({med[name + '_torch_pred_onednn'] / med[name + '_locus_pred']:.1f}x), locus {med[name + '_locus_pred']:.4f} s")
    if args.jit:
        line += (f", torch.jit trace+freeze {med[name + '_torch_pred_jit']:.4f} s "
                 f"({med[name + '_torch_pred_jit'] / med[name + '_locus_pred']:.1f}x)")
    print(line)
