#!/usr/bin/python3
"""Paper 000 network inference, locus vs PyTorch, in the same run.

usage: /usr/bin/python3 bench/inference_vs_torch.py BUILD_DIR [--rows N]

Runs BUILD_DIR/bench/bench_inference, then times the same network in PyTorch on one
thread with no_grad and 16k-row batches, two ways: as packaged (Debian's torch uses a
reference BLAS for nn.Linear) and with the linear layers routed through oneDNN
(torch._C._nn.mkldnn_linear on to_mkldnn() tensors). Prints a table with ratios.
"""
import argparse
import copy
import subprocess
import sys
import time

import torch
from torch.utils import mkldnn as mkldnn_utils

p = argparse.ArgumentParser()
p.add_argument("build_dir")
p.add_argument("--rows", type=int, default=440000)
p.add_argument("--repeats", type=int, default=5)
args = p.parse_args()

out = subprocess.run([f"{args.build_dir}/bench/bench_inference", "--rows", str(args.rows)],
                     check=True, capture_output=True, text=True).stdout
locus = {k: float(v) for k, v in (line.split() for line in out.strip().splitlines())}

torch.manual_seed(0)
torch.set_num_threads(1)
F = torch.nn.functional


class Softsign(torch.nn.Module):
    def forward(self, v):
        return F.softsign(v)


sizes = [10, 45, 45, 42, 33, 36, 6]
acts = [torch.nn.GELU(), Softsign(), Softsign(), torch.nn.Sigmoid(), torch.nn.GELU(), None]
modules = []
for i in range(6):
    modules.append(torch.nn.Linear(sizes[i], sizes[i + 1]))
    if acts[i] is not None:
        modules.append(acts[i])
packaged = torch.nn.Sequential(*modules).eval()
# torch.utils.mkldnn.to_mkldnn swaps each nn.Linear for an MkldnnLinear, which runs
# torch._C._nn.mkldnn_linear on to_mkldnn() tensors (oneDNN's inner-product kernels).
# to_mkldnn replaces the children of the module it is given in place, so it gets a copy:
# without one, "as packaged" was timed through oneDNN too.
onednn = mkldnn_utils.to_mkldnn(copy.deepcopy(packaged))
x = torch.randn(args.rows, 10)
batch = 16384


def best(fn):
    t_best = 1e30
    with torch.no_grad():
        for b in range(0, min(args.rows, batch), batch):
            fn(x[b:b + batch])
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            for b in range(0, args.rows, batch):
                fn(x[b:b + batch])
            t_best = min(t_best, time.perf_counter() - t0)
    return t_best


with torch.no_grad():
    assert torch.allclose(packaged(x[:1000]), onednn(x[:1000]), atol=1e-4)
t_pack = best(packaged)
t_dnn = best(onednn)
t1 = locus["locus_seconds_1thread"]

print(f"Paper 000 network, float32, {args.rows} rows, single thread (torch {torch.__version__})")
print(f"| implementation | seconds | locus speed-up |")
print(f"|---|---|---|")
print(f"| locus | {t1:.4f} | 1.0x |")
print(f"| PyTorch as packaged (reference BLAS) | {t_pack:.4f} | {t_pack / t1:.1f}x |")
print(f"| PyTorch, linear layers through oneDNN | {t_dnn:.4f} | {t_dnn / t1:.1f}x |")
print()
print(f"locus 2 threads: {locus['locus_seconds_2threads']:.4f} s "
      f"(scaling {locus['locus_speedup_2threads']:.2f}x)")
print(f"FMA peak (register-resident, {int(locus['simd_lanes_float'])} lanes x 12 accumulators): "
      f"{locus['fma_peak_gflops']:.0f} GFLOP/s; multiply-adds alone need {locus['fma_bound_seconds']:.4f} s")
print(f"locus sustains {locus['locus_gflops']:.1f} GFLOP/s = {locus['percent_of_fma_peak']:.1f} % of peak")
print(f"time split: matrix kernels {locus['matrix_kernels_seconds']:.4f} s, "
      f"activations {locus['activation_seconds']:.4f} s ({locus['ns_per_activation']:.3f} ns each)")
