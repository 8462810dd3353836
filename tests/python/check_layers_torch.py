#!/usr/bin/python3
"""Cross-check of locus's layers from papers 002 and 004 against PyTorch (ctest python/layers_torch).

layers_reference_dump builds four float32 networks with fixed weights and a 37-row batch:
  layer_norm  Linear 6→9, LayerNorm(9), GELU, Linear 9→3
  batch_norm  Linear 6→9 + LeakyReLU(0.01), BatchNorm1d(9), Linear 9→3
  residual    Linear 6→10, residual block 10→7 (Linear, LayerNorm, GELU; shortcut LayerNorm(10)
              then Linear 10→7), residual block 7→7 (identity shortcut), LayerNorm(7), Linear 7→2
  heads       Linear 6→12 + GELU, then three heads 12→8→4→1, 12→1 and 12→5→1, concatenated
and a classifier (Linear 6→8 + GELU, Linear 8→3 + Softmax) with locus's CrossEntropy,
against torch.nn.CrossEntropyLoss on the logits: the loss and every parameter gradient.
The same modules are built here with torch.nn, loaded with locus's parameters, and compared:
training-mode outputs, the gradients of Σ R ⊙ y with respect to the inputs and every
parameter, BatchNorm's running statistics after one update (momentum 0.1, unbiased variance)
and the inference-mode outputs. Relative error: max|a − b| / max|b| per tensor, tolerance
1e-5 (float32). Exits 77 (skipped) when torch is not installed.
"""
import json
import os
import subprocess
import sys
import tempfile

try:
    import torch
except ImportError:
    print("SKIPPED: python3-torch is not installed for /usr/bin/python3")
    sys.exit(77)

torch.manual_seed(0)
tools = os.environ.get("LOCUS_TOOLS", ".")
with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, "dump.json")
    subprocess.run([os.path.join(tools, "layers_reference_dump"), path], check=True)
    dump = json.load(open(path))

failures = []
nn = torch.nn


def compare(name, ours, ref, tol=1e-5):
    ours = torch.as_tensor(ours, dtype=torch.float64).flatten()
    ref = ref.detach().to(torch.float64).flatten()
    if ours.numel() != ref.numel():
        failures.append(f"{name}: {ours.numel()} values, torch has {ref.numel()}")
        print(f"FAIL {name}: size {ours.numel()} vs {ref.numel()}")
        return
    if not torch.isfinite(ours).all():
        failures.append(f"{name}: locus produced non-finite values")
        return
    scale = max(ref.abs().max().item(), 1e-30)
    err = ((ours - ref).abs().max() / scale).item()
    status = "ok" if err <= tol else "FAIL"
    print(f"{status:4} {name:40} max-norm relative error {err:.2e} (tolerance {tol:g})")
    if err > tol:
        failures.append(name)


def linear(i, o):
    return nn.Linear(i, o)


class Residual(nn.Module):
    def __init__(self, body, i, o):
        super().__init__()
        self.body = body
        self.shortcut = nn.Sequential(nn.LayerNorm(i), nn.Linear(i, o)) if i != o else nn.Identity()

    def forward(self, x):
        return self.body(x) + self.shortcut(x)


class Heads(nn.Module):
    def __init__(self, *heads):
        super().__init__()
        self.heads = nn.ModuleList(heads)

    def forward(self, x):
        return torch.cat([h(x) for h in self.heads], dim=1)


def ordered_params(module):
    """Parameters in locus's order: Linear weight (transposed: locus keeps [in × out]) then
    bias; LayerNorm/BatchNorm weight (γ) then bias (β); modules in definition order."""
    out = []
    for m in module.modules():
        if isinstance(m, (nn.Linear, nn.LayerNorm, nn.BatchNorm1d)):
            out.append((m.weight, isinstance(m, nn.Linear)))
            out.append((m.bias, False))
    return out


def check(case, model):
    d = dump[case]
    params = ordered_params(model)
    if len(params) != len(d["params"]):
        failures.append(f"{case}: {len(params)} parameter blocks in torch, {len(d['params'])} in locus")
        return
    with torch.no_grad():
        for (p, transposed), values in zip(params, d["params"]):
            v = torch.tensor(values, dtype=torch.float32)
            p.copy_(v.reshape(p.shape[1], p.shape[0]).t() if transposed else v.reshape(p.shape))
    first = next(m for m in model.modules() if isinstance(m, nn.Linear))
    n = len(d["x"]) // first.in_features
    x = torch.tensor(d["x"], dtype=torch.float32).reshape(n, first.in_features).requires_grad_(True)
    model.train()
    y = model(x)
    upstream = torch.tensor(d["upstream"], dtype=torch.float32).reshape(y.shape)
    (y * upstream).sum().backward()
    compare(f"{case}: training outputs", d["y_train"], y)
    compare(f"{case}: d/d inputs", d["dx"], x.grad)
    for i, ((p, transposed), g) in enumerate(zip(params, d["grads"])):
        ref = p.grad.t() if transposed else p.grad
        compare(f"{case}: d/d parameter block {i}", g, ref)
    bns = [m for m in model.modules() if isinstance(m, nn.BatchNorm1d)]
    state = d.get("state") or []
    if len(state) != 2 * len(bns):
        failures.append(f"{case}: {len(state)} state blocks, torch has {2 * len(bns)}")
    for k, bn in enumerate(bns):
        compare(f"{case}: running mean", state[2 * k], bn.running_mean)
        compare(f"{case}: running variance", state[2 * k + 1], bn.running_var)
    model.eval()
    with torch.no_grad():
        compare(f"{case}: inference outputs", d["y_eval"], model(x))


gelu = nn.GELU()
check("layer_norm", nn.Sequential(linear(6, 9), nn.LayerNorm(9), nn.GELU(), linear(9, 3)))
check("batch_norm", nn.Sequential(linear(6, 9), nn.LeakyReLU(0.01), nn.BatchNorm1d(9), linear(9, 3)))
check("residual", nn.Sequential(
    linear(6, 10),
    Residual(nn.Sequential(linear(10, 7), nn.LayerNorm(7), nn.GELU()), 10, 7),
    Residual(nn.Sequential(linear(7, 7), nn.LayerNorm(7), nn.GELU()), 7, 7),
    nn.LayerNorm(7), linear(7, 2)))
check("heads", nn.Sequential(
    linear(6, 12), nn.GELU(),
    Heads(nn.Sequential(linear(12, 8), nn.GELU(), linear(8, 4), nn.GELU(), linear(4, 1)),
          linear(12, 1),
          nn.Sequential(linear(12, 5), nn.GELU(), linear(5, 1)))))

# ---- cross-entropy on a Softmax classifier (torch: CrossEntropyLoss on the logits) -------
d = dump["cross_entropy"]
clf = nn.Sequential(linear(6, 8), nn.GELU(), linear(8, 3))
params = ordered_params(clf)
with torch.no_grad():
    for (p, transposed), values in zip(params, d["params"]):
        v = torch.tensor(values, dtype=torch.float32)
        p.copy_(v.reshape(p.shape[1], p.shape[0]).t() if transposed else v.reshape(p.shape))
x = torch.tensor(d["x"], dtype=torch.float32).reshape(-1, 6)
loss = nn.CrossEntropyLoss()(clf(x), torch.tensor(d["labels"]))
loss.backward()
compare("cross_entropy: loss", [d["loss"]], loss)
for i, ((p, transposed), g) in enumerate(zip(params, d["grads"])):
    compare(f"cross_entropy: d/d parameter block {i}", g, p.grad.t() if transposed else p.grad)

if failures:
    print("FAILED:", ", ".join(failures))
    sys.exit(1)
print("all layer checks agree with PyTorch")
