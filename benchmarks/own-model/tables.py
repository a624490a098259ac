"""Renders benchmarks/results/own-model/*.json (tve evaluate summaries) as the README tables of
benchmarks/run-own-model.sh: (a) TVE's recovery against occlusion, built-in vs imported ViT; (b) the CNN."""
import json
import sys
from pathlib import Path

res = Path(sys.argv[1])
MEASURES = [("deletion-black", "deletion, black"), ("deletion-zero", "deletion, normalised zero"), ("insertion-blur", "insertion from blur")]


def head(name):
    return json.loads((res / f"{name}.json").read_text())["report"]["heads"][0]


def rec(h, m):
    r = h["recoveryByMethod"]["occlusion"][m]
    if not r.get("betterThanRandom"):
        return None, "occlusion not better than random"
    return r["recovery"], f'{r["recovery"]:.2f} [{r["lo"]:.2f}, {r["hi"]:.2f}]'


def mean(h, method, m):
    return h["measures"][method][m]["mean"]


print("# Users' TorchScript models: evidence\n")
print("Produced by `benchmarks/run-own-model.sh`; per-run reports beside this file. 500 test scenes (scene seed 5) written as a folder")
print("with labels and boxes, head ten-class, target: the predicted class, the logit explained.\n")
b, i = head("vit-builtin"), head("vit-imported")
print("## (a) The zoo's ViT: built-in path vs exported, imported and pre-trained afresh through the TorchScript path\n")
print("TVE's recovery of occlusion's gain over random, (random - TVE) / (random - occlusion) for deletion, (TVE - random) / (occlusion - random)")
print("for insertion; mean [95 % bootstrap CI].\n")
print("| measure | built-in path | imported path | difference | within 0.05 |\n|---|---:|---:|---:|---|")
for m, title in MEASURES:
    rb, sb = rec(b, m)
    ri, si = rec(i, m)
    d = None if rb is None or ri is None else ri - rb
    print(f"| {title} | {sb} | {si} | {'' if d is None else f'{d:+.3f}'} | {'' if d is None else ('yes' if abs(d) <= 0.05 else 'no')} |")
print()
print("| path | TVE deletion black | TVE deletion zero | TVE insertion | occlusion deletion black | occlusion deletion zero | occlusion insertion |")
print("|---|---:|---:|---:|---:|---:|---:|")
for name, h in [("built-in", b), ("imported", i)]:
    print(f"| {name} | " + " | ".join(f"{mean(h, meth, m):.4f}" for meth in ("tve", "occlusion") for m, _ in MEASURES) + " |")
print()
c = head("cnn-imported")
print("## (b) A CNN through the TorchScript path (trunk: a trainable copy read through features(x))\n")
print("| measure | TVE - random [95 % CI] | TVE - intensity [95 % CI] | recovery of occlusion's gain [95 % CI] | >= 0.85 |\n|---|---:|---:|---:|---|")
for m, title in MEASURES:
    cells = []
    for ref in ("random", "intensity"):
        d = c["tveAgainst"][ref][m]
        better = (d["hi"] < 0) if d["direction"] == "LOWER_IS_BETTER" else (d["lo"] > 0)
        cells.append(f'{d["mean"]:+.4f} [{d["lo"]:+.4f}, {d["hi"]:+.4f}] {"TVE better" if better else "not better"}')
    r, s = rec(c, m)
    print(f"| {title} | {cells[0]} | {cells[1]} | {s} | {'' if r is None else ('yes' if r >= 0.85 else 'no')} |")
