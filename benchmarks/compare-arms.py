#!/usr/bin/env python3
"""Issue 21's arm table from benchmarks/run-explainer-arms.sh's folder (markdown on stdout).

    benchmarks/compare-arms.py runs/arms [BASE_ARM] [MAP]

Per arm, on the validation scenes every arm scored: the means of TVE's map (MAP, default tve-raw:
the map tve explain and tve evaluate use), the paired difference against BASE_ARM (default control)
with a seeded percentile-bootstrap 95 % CI, and the recovery of the best classic method's gain over
random, (random - arm) / (random - best) for deletion (lower is better) and (arm - random) / (best -
random) for insertion and pointing, with its bootstrap CI (scenes resampled, ratio of means).
"""
import json
import os
import random
import sys

METRICS = [("deletion, black", -1), ("deletion, zero", -1), ("insertion", 1), ("pointing", 1)]
REFERENCES = ["kernel-shap", "integrated-gradients", "integrated-gradients-blur", "occlusion"]


def rows(path):
    with open(path) as f:
        return {r["scene"]: r for r in map(json.loads, f)}


def mean(v):
    return sum(v) / len(v)


def boot(n, stat, seed=7, resamples=4000):
    rng = random.Random(seed)
    vals = sorted(stat([rng.randrange(n) for _ in range(n)]) for _ in range(resamples))
    return vals[int(0.025 * resamples)], vals[int(0.975 * resamples) - 1]


def main():
    root = sys.argv[1]
    base = sys.argv[2] if len(sys.argv) > 2 else "control"
    key = sys.argv[3] if len(sys.argv) > 3 else "tve-raw"
    arms = sorted(d for d in os.listdir(root) if os.path.isfile(f"{root}/{d}/faithfulness/rows.jsonl"))
    arms.sort(key=lambda a: (a != base, a))
    refs = rows(f"{root}/references/rows.jsonl") if os.path.isfile(f"{root}/references/rows.jsonl") else None
    data = {a: rows(f"{root}/{a}/faithfulness/rows.jsonl") for a in arms}
    scenes = sorted(set.intersection(*(set(d) for d in data.values())) & (set(refs) if refs else set.intersection(*(set(d) for d in data.values()))))
    n = len(scenes)
    held = sum(1 for s in scenes if data[base][s]["heldOutClass"])
    print(f"{n} validation scenes ({held} of the classes left out of pre-training); map `{key}`; paired 95 % CIs, bootstrap over scenes.\n")
    best = {}
    if refs:
        print("Classic methods on the same scenes (explaining the logit; means):\n")
        print("| method | " + " | ".join(m for m, _ in METRICS) + " |")
        print("|---|" + "---:|" * len(METRICS))
        present = [r for r in ["random"] + REFERENCES if r in refs[scenes[0]]["scores"]]
        for r in present:
            print(f"| {r} | " + " | ".join(f"{mean([refs[s]['scores'][r][k] for s in scenes]):.4f}" for k in range(len(METRICS))) + " |")
        for k, (_, sign) in enumerate(METRICS):
            gains = {r: sign * (mean([refs[s]["scores"][r][k] for s in scenes]) - mean([refs[s]["scores"]["random"][k] for s in scenes]))
                     for r in present if r != "random"}
            best[k] = max(gains, key=gains.get)
        print("\nBest per measure: " + ", ".join(f"{METRICS[k][0]} {best[k]}" for k in best) + ".\n")
    print("| arm | " + " | ".join(m for m, _ in METRICS) + " |")
    print("|---|" + "---:|" * len(METRICS))
    for a in arms:
        cells = []
        for k, (_, sign) in enumerate(METRICS):
            v = [data[a][s]["scores"][key][k] for s in scenes]
            cell = f"{mean(v):.4f}"
            if a != base:
                d = [v[i] - data[base][s]["scores"][key][k] for i, s in enumerate(scenes)]
                lo, hi = boot(n, lambda idx: mean([d[i] for i in idx]))
                verdict = " better" if (lo > 0 if sign > 0 else hi < 0) else (" worse" if (lo > 0 or hi < 0) else "")
                cell += f" ({mean(d):+.4f} [{lo:+.4f}, {hi:+.4f}]{verdict})"
            if refs:
                rnd = [refs[s]["scores"]["random"][k] for s in scenes]
                b = [refs[s]["scores"][best[k]][k] for s in scenes]
                ratio = lambda idx: (mean([v[i] for i in idx]) - mean([rnd[i] for i in idx])) / (mean([b[i] for i in idx]) - mean([rnd[i] for i in idx]))
                lo, hi = boot(n, ratio)
                cell += f"; recovery {ratio(range(n)):.2f} [{lo:.2f}, {hi:.2f}]"
            cells.append(cell)
        print(f"| {a} | " + " | ".join(cells) + " |")
    print(f"\nCells: mean; in brackets the paired difference from `{base}` with its CI (better / worse where the CI excludes 0); "
          "recovery of the best classic method's gain over random with its CI.")


if __name__ == "__main__":
    main()
