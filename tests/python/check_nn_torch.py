#!/usr/bin/python3
"""Cross-check of locus's network against PyTorch (ctest python/nn_torch).

The paper 000 network (10→45 GELU→45 Softsign→42 Softsign→33 Sigmoid→36 GELU→6 Linear)
with fixed weights and inputs: forward outputs and the gradients with respect to the inputs
and every weight must agree with torch in float32 to 1e-5 relative. Every activation and
its derivative are compared with torch (float64 autograd) on a grid over [-20, 20] plus
extreme values, and must be finite everywhere.

Network tensors: the relative error is max|a - b| / max|b| over the tensor (the max-norm
relative error; summation order differs between the two libraries, so single elements that
are sums of cancelling terms carry more relative error than the tensor as a whole).
The element-wise error with a floor of 1 % of the tensor's scale is printed as well.
Activations: element-wise relative error with values below 1e-3 compared absolutely.
An activation passes when locus float32 is within 1e-5 of torch float32, or when it is at
least as close to the exact function (torch float64) as torch float32 is, or within 1e-5
of it: torch's float32 GELU (1 + erf cancellation) and tanh/sigmoid backward (1 − y²,
y(1 − y)) lose precision for large |x| that locus keeps.
Exits 77 (skipped) when torch is not installed.
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

tools = os.environ.get("LOCUS_TOOLS", ".")
with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, "dump.json")
    subprocess.run([os.path.join(tools, "nn_reference_dump"), path], check=True)
    d = json.load(open(path))

failures = []


def compare(name, ours, ref, tol=1e-5):
    ours = torch.as_tensor(ours, dtype=torch.float64).flatten()
    ref = ref.detach().to(torch.float64).flatten()
    if not torch.isfinite(ours).all():
        failures.append(f"{name}: locus produced non-finite values")
        return
    scale = max(ref.abs().max().item(), 1e-30)
    err = ((ours - ref).abs().max() / scale).item()
    elem = ((ours - ref).abs() / torch.clamp(ref.abs(), min=1e-2 * scale)).max().item()
    status = "ok" if err <= tol else "FAIL"
    print(f"{status:4} {name:32} max-norm relative error {err:.2e} (tolerance {tol:g}); "
          f"element-wise {elem:.1e}")
    if err > tol:
        failures.append(name)


# ---- the paper network -------------------------------------------------------------
sizes, names = d["sizes"], d["activations"]
acts = {"gelu": torch.nn.functional.gelu, "softsign": torch.nn.functional.softsign,
        "sigmoid": torch.sigmoid, "linear": lambda v: v}
params = [torch.tensor(p, dtype=torch.float32, requires_grad=True) for p in d["params"]]
n = len(d["x"]) // sizes[0]
x = torch.tensor(d["x"], dtype=torch.float32).reshape(n, sizes[0]).requires_grad_(True)
h = x
for i in range(len(sizes) - 1):
    W = params[2 * i].reshape(sizes[i], sizes[i + 1])  # locus stores W as [in × out]
    h = acts[names[i]](h @ W + params[2 * i + 1])
y = h
upstream = torch.tensor(d["upstream"], dtype=torch.float32).reshape(y.shape)
(y * upstream).sum().backward()
compare("forward outputs", d["y"], y)
compare("d/d inputs", d["dx"], x.grad)
for i, p in enumerate(params):
    kind = "W" if i % 2 == 0 else "b"
    compare(f"d/d {kind}{i // 2}", d["grads"][i], p.grad)

# ---- activations on a grid ----------------------------------------------------------
grid64 = torch.tensor(d["grid"], dtype=torch.float64)
F = torch.nn.functional
ref_fns = {
    "elu": F.elu, "gelu": F.gelu, "hard_sigmoid": F.hardsigmoid, "linear": lambda v: v * 1.0,
    "relu": F.relu, "selu": F.selu, "sigmoid": torch.sigmoid, "softplus": F.softplus,
    "softsign": F.softsign, "swish": F.silu, "tanh": torch.tanh, "leaky_relu": lambda v: F.leaky_relu(v, 0.01),
}
kinks = {"elu": [0.0], "relu": [0.0], "selu": [0.0], "leaky_relu": [0.0], "hard_sigmoid": [-3.0, 3.0]}


def torch_eval(fn, g, dtype):
    g = g.to(dtype).clone().requires_grad_(True)
    val = fn(g)
    (der,) = torch.autograd.grad(val.sum(), g)
    return val.detach().double(), der.double()


for name, fn in ref_fns.items():
    ours = d["elementwise"][name]
    v_all = torch.tensor(ours["value"], dtype=torch.float64)
    d_all = torch.tensor(ours["derivative"], dtype=torch.float64)
    if not (torch.isfinite(v_all).all() and torch.isfinite(d_all).all()):
        failures.append(f"{name}: non-finite value or derivative on the grid")
    keep = torch.ones_like(grid64, dtype=torch.bool)
    for k in kinks.get(name, []):
        keep &= (grid64 - k).abs() > 1e-3
    g = grid64[keep]
    v32, d32 = torch_eval(fn, g, torch.float32)
    v64, d64 = torch_eval(fn, g, torch.float64)
    for label, a, b32, b64 in (("value", v_all[keep], v32, v64), ("derivative", d_all[keep], d32, d64)):
        rel = ((a - b32).abs() / torch.clamp(b32.abs(), min=1e-3)).max().item()
        rel64 = ((a - b64).abs() / torch.clamp(b64.abs(), min=1e-3)).max().item()
        torch_rel64 = ((b32 - b64).abs() / torch.clamp(b64.abs(), min=1e-3)).max().item()
        # Pass: within 1e-5 of torch float32, or at least as close to the exact (float64)
        # function as torch float32 itself is, or within 1e-5 of the exact function.
        ok = rel <= 1e-5 or rel64 <= max(1e-5, torch_rel64)
        status = "ok" if ok else "FAIL"
        print(f"{status:4} {name + ' ' + label:26} vs torch float32 {rel:.2e}; vs float64: locus {rel64:.1e}, "
              f"torch float32 {torch_rel64:.1e}")
        if not ok:
            failures.append(f"{name} {label}")

sm_in = torch.tensor(d["softmax_in"], dtype=torch.float64).reshape(-1, 5)
compare("softmax (row-wise, |z|~30)", d["softmax_out"], torch.softmax(sm_in, dim=1))

if failures:
    print("FAILED:", ", ".join(failures))
    sys.exit(1)
print("all torch cross-checks passed")
