#!/usr/bin/python3
"""Paper 000 network training speed, locus vs PyTorch, in the same run.

usage: /usr/bin/python3 bench/training_vs_torch.py BUILD_DIR [--rows 7500] [--epochs 30]
                                                   [--recipe] [--torch-recipe]

Runs BUILD_DIR/bench/bench_training (single thread), then trains the same network in
PyTorch on one thread: float32, the weighted moments loss of Eq. 1-2, Adam (lr 1e-3,
eps 1e-7), batch 1024, rows shuffled every epoch. Both time training epochs without a
validation pass, after a warm-up epoch. Prints a markdown table with the ratio, the
locus time split, and (with --recipe) the wall time of the full paper recipe
(best of 2 runs, <= 1024 epochs, patience 100, ReduceOnPlateau 0.9) on rows + val rows.
--torch-recipe also runs that recipe in PyTorch (slow: minutes).
"""
import argparse
import subprocess
import time

import torch

p = argparse.ArgumentParser()
p.add_argument("build_dir")
p.add_argument("--rows", type=int, default=7500)
p.add_argument("--val", type=int, default=2500)
p.add_argument("--epochs", type=int, default=30)
p.add_argument("--batch", type=int, default=1024)
p.add_argument("--recipe", action="store_true")
p.add_argument("--torch-recipe", action="store_true")
args = p.parse_args()

cmd = [f"{args.build_dir}/bench/bench_training", "--rows", str(args.rows), "--val", str(args.val),
       "--epochs", str(args.epochs), "--batch", str(args.batch), "--threads", "1"]
if args.recipe:
    cmd.append("--recipe")
out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
locus = {k: float(v) for k, v in (line.split() for line in out.strip().splitlines())}

torch.manual_seed(0)
torch.set_num_threads(1)
sizes = [10, 45, 45, 42, 33, 36, 6]
acts = [torch.nn.GELU(), torch.nn.Softsign(), torch.nn.Softsign(), torch.nn.Sigmoid(), torch.nn.GELU()]


def make_net():
    mods = []
    for i in range(6):
        mods.append(torch.nn.Linear(sizes[i], sizes[i + 1]))
        if i < 5:
            mods.append(acts[i])
    return torch.nn.Sequential(*mods)


w = torch.tensor([1 / 0.1**2, 1 / 0.02**2, 1 / 0.1**2])


def moments_loss(pred, y):
    mu, s = pred[:, :3], pred[:, 3:]
    e2 = (y - mu) ** 2
    per = (e2 + (e2 - s * s) ** 2).mean(dim=0)
    return (w * per).sum()


def data(n, g):
    c = torch.rand(n, 5, generator=g) * 2 - 1
    s = 0.02 + 0.1 * torch.rand(n, 5, generator=g) * torch.rand(n, 5, generator=g)
    x = torch.cat([c + s * torch.randn(n, 5, generator=g), s], dim=1)
    y = torch.stack([4 + 3 * torch.sin(1.5 * c[:, 0]) + c[:, 1] * c[:, 2],
                     0.5 + 0.8 * c[:, 1] ** 2 + 0.5 * c[:, 4],
                     -1 + torch.tanh(2 * c[:, 2]) + 0.3 * c[:, 3] * c[:, 4]], dim=1)
    y = y + torch.randn(n, 3, generator=g) * torch.stack(
        [0.2 + 0.3 * c[:, 3].abs(), 0.15 + 0.15 * (1 + c[:, 0]), 0.1 + 0.15 * (1 + c[:, 4])], dim=1)
    return x, y


g = torch.Generator().manual_seed(1)
x, y = data(args.rows, g)
xv, yv = data(args.val, g)
m, sd = x.mean(0), x.std(0, unbiased=False)
x, xv = (x - m) / sd, (xv - m) / sd


def epoch(net, opt):
    perm = torch.randperm(args.rows)
    for b in range(0, args.rows, args.batch):
        idx = perm[b:b + args.batch]
        opt.zero_grad(set_to_none=True)
        loss = moments_loss(net(x[idx]), y[idx])
        loss.backward()
        opt.step()


net = make_net()
opt = torch.optim.Adam(net.parameters(), lr=1e-3, eps=1e-7)
epoch(net, opt)
t0 = time.perf_counter()
for _ in range(args.epochs):
    epoch(net, opt)
torch_ms = 1e3 * (time.perf_counter() - t0) / args.epochs
ms = locus["ms_per_epoch"]

print(f"Paper 000 network training, {args.rows} rows, batch {args.batch}, weighted moments loss, Adam, "
      f"float32, single thread, {args.epochs} epochs (torch {torch.__version__})")
print()
print("| implementation | ms/epoch | locus speed-up |")
print("|---|---|---|")
print(f"| locus | {ms:.2f} | 1.0x |")
print(f"| PyTorch (as packaged) | {torch_ms:.2f} | {torch_ms / ms:.1f}x |")
print()
print("locus split per epoch: " + ", ".join(f"{k} {locus[k + '_ms']:.2f} ms" for k in
                                            ("forward", "loss", "backward", "reduce", "optimizer")))
if args.recipe:
    print()
    print(f"Full paper recipe on {args.rows} + {args.val} rows (best of 2 runs, <= 1024 epochs, patience 100, "
          f"ReduceOnPlateau 0.9, validation every epoch):")
    print(f"locus: {locus['recipe_seconds']:.1f} s for {int(locus['recipe_epochs'])} epochs "
          f"(runs: {int(locus['recipe_run0_epochs'])}, {int(locus['recipe_run1_epochs'])}), "
          f"best validation loss {locus['recipe_best_val_loss']:.4g}")
if args.torch_recipe:
    sched_t0 = time.perf_counter()
    total = 0
    best_all = float("inf")
    for run in range(2):
        torch.manual_seed(100 + run)
        net = make_net()
        opt = torch.optim.Adam(net.parameters(), lr=1e-3, eps=1e-7)
        sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.9, patience=10)
        best, wait = float("inf"), 0
        for e in range(1024):
            epoch(net, opt)
            total += 1
            with torch.no_grad():
                v = moments_loss(net(xv), yv).item()
            sched.step(v)
            if v < best:
                best, wait = v, 0
            else:
                wait += 1
                if wait >= 100:
                    break
        best_all = min(best_all, best)
    print(f"PyTorch: {time.perf_counter() - sched_t0:.1f} s for {total} epochs, best validation loss {best_all:.4g}")
