#!/usr/bin/python3
"""Plots a bayes_opt_paper --json file: every trial's validation loss and the best so far.

usage: /usr/bin/python3 examples/plot_bayes_opt.py RUN.json OUT.png
"""
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

if len(sys.argv) != 3:
    sys.exit(__doc__)
run = json.load(open(sys.argv[1]))
trials = [h["trial"] + 1 for h in run["history"]]
loss = [h["loss"] if h["loss"] is not None else float("nan") for h in run["history"]]
best, cur = [], float("inf")
for v in loss:
    if v == v and v < cur:
        cur = v
    best.append(cur)
fig, ax = plt.subplots(figsize=(6.4, 4))
ax.scatter(trials, loss, s=12, color="0.5", label="trial")
ax.step(trials, best, where="post", color="C0", label="best so far")
ax.axvline(10.5, color="0.8", ls="--", lw=1)
ax.text(10.8, 0.98, "GP suggestions ->", transform=ax.get_xaxis_transform(), va="top", fontsize=8, color="0.4")
ax.set_yscale("log")
ax.set_xlabel("trial")
ax.set_ylabel("best validation loss of the trial (weighted moments)")
ax.set_title(f"Bayesian optimisation ({run['acquisition'].upper()}), {len(trials)} trials, paper 000's space", fontsize=10)
ax.legend(loc="upper right")
fig.tight_layout()
fig.savefig(sys.argv[2], dpi=110)
print("wrote", sys.argv[2])
