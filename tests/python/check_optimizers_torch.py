#!/usr/bin/python3
"""locus Sgd / Adam / AdamW against torch.optim on the same gradient sequence.

For each configuration, random parameters and a fixed sequence of 100 random gradient sets
are fed to both torch.optim and the locus helper program (LOCUS_TOOLS/optimizers_torch);
after 100 steps every parameter must agree to 1e-5 relative in float32 (and 1e-11 in
float64, which shows the update rules are the same formula, not just close).
Parameters start in ±[0.5, 1.5] so that a relative comparison is meaningful for all of them.
Exit code 77 (skipped) when torch or the helper is missing.
"""
import json
import os
import subprocess
import sys

try:
    import numpy as np
    import torch
except ImportError as e:
    print(f"skipped: {e}")
    sys.exit(77)

tools = os.environ.get("LOCUS_TOOLS", "")
helper = os.path.join(tools, "optimizers_torch")
if not os.path.exists(helper):
    print(f"skipped: helper {helper} not built")
    sys.exit(77)

STEPS = 100
rng = np.random.default_rng(12345)
shapes = [(10, 45), (45,), (45, 6), (6,)]

configs = [
    ("sgd plain", {"name": "sgd"}, 0.002, lambda p, lr: torch.optim.SGD(p, lr=lr)),
    ("sgd momentum", {"name": "sgd", "momentum": 0.9}, 5e-4, lambda p, lr: torch.optim.SGD(p, lr=lr, momentum=0.9)),
    ("sgd nesterov", {"name": "sgd", "momentum": 0.9, "nesterov": True}, 5e-4,
     lambda p, lr: torch.optim.SGD(p, lr=lr, momentum=0.9, nesterov=True)),
    ("adam keras defaults", {"name": "adam"}, 1e-3,
     lambda p, lr: torch.optim.Adam(p, lr=lr, betas=(0.9, 0.999), eps=1e-7)),
    ("adam clip_value 0.5", {"name": "adam", "clip_value": 0.5}, 1e-3,
     lambda p, lr: torch.optim.Adam(p, lr=lr, betas=(0.9, 0.999), eps=1e-7)),
    ("adamw wd 0.01", {"name": "adamw", "weight_decay": 0.01}, 2e-3,
     lambda p, lr: torch.optim.AdamW(p, lr=lr, betas=(0.9, 0.999), eps=1e-7, weight_decay=0.01)),
    ("adamw wd 0.3", {"name": "adamw", "weight_decay": 0.3}, 1e-3,
     lambda p, lr: torch.optim.AdamW(p, lr=lr, betas=(0.9, 0.999), eps=1e-7, weight_decay=0.3)),
]

failures = 0
for dtype, tdtype, tol in (("float32", torch.float32, 1e-5), ("float64", torch.float64, 1e-11)):
    npdtype = np.float32 if dtype == "float32" else np.float64
    for label, ocfg, lr, make in configs:
        params0 = [(rng.uniform(0.5, 1.5, s) * rng.choice([-1.0, 1.0], s)).astype(npdtype) for s in shapes]
        # gradients of varying scale, some large enough to be clipped
        grads = [[(rng.normal(0, 1, s) * rng.choice([0.01, 0.3, 2.0])).astype(npdtype) for s in shapes]
                 for _ in range(STEPS)]
        tp = [torch.tensor(p.copy(), dtype=tdtype, requires_grad=True) for p in params0]
        opt = make(tp, lr)
        for step in grads:
            for p, g in zip(tp, step):
                p.grad = torch.tensor(g, dtype=tdtype)
            if "clip_value" in ocfg:
                torch.nn.utils.clip_grad_value_(tp, ocfg["clip_value"])
            opt.step()
        request = {"dtype": dtype, "optimizer": ocfg, "lr": lr,
                   "params": [p.ravel().tolist() for p in params0],
                   "grads": [[g.ravel().tolist() for g in step] for step in grads]}
        out = subprocess.run([helper], input=json.dumps(request), capture_output=True, text=True, check=True)
        got = json.loads(out.stdout)["params"]
        worst = 0.0
        for p_t, p_l in zip(tp, got):
            ref = p_t.detach().numpy().ravel().astype(np.float64)
            mine = np.asarray(p_l, dtype=np.float64)
            worst = max(worst, float(np.max(np.abs(mine - ref) / np.abs(ref))))
        moved = max(float(np.max(np.abs(p_t.detach().numpy().ravel() - p0.ravel())))
                    for p_t, p0 in zip(tp, params0))
        ok = worst <= tol and moved > 1e-3
        failures += not ok
        print(f"{'ok  ' if ok else 'FAIL'} {dtype} {label:22s} max rel diff {worst:.2e} (tol {tol:g}), "
              f"largest move {moved:.3g}")

sys.exit(1 if failures else 0)
