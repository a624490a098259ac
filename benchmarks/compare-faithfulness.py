#!/usr/bin/env python3
"""Paired comparison of two `tve faithfulness` runs on the same scenes (same split, scene seed, blur).

    benchmarks/compare-faithfulness.py BASE_DIR OTHER_DIR [MAP]

For each metric, the mean of OTHER's TVE map minus BASE's on the scenes both runs scored, with a
seeded percentile-bootstrap 95 % CI (10,000 resamples), over all scenes, the held-out-class scenes
and the others. MAP (default tve) picks BASE's map, e.g. random to compare OTHER's TVE with it.
"""
import json
import random
import sys

METRICS = [("deletion black", -1), ("deletion zero", -1), ("insertion blur", 1), ("pointing", 1)]


def rows(folder):
    with open(folder + "/rows.jsonl") as f:
        return {r["scene"]: r for r in map(json.loads, f)}


def interval(d, seed=7, resamples=10000):
    rng = random.Random(seed)
    n = len(d)
    boot = sorted(sum(d[rng.randrange(n)] for _ in range(n)) / n for _ in range(resamples))
    return sum(d) / n, boot[int(0.025 * resamples)], boot[int(0.975 * resamples) - 1]


def main():
    base, other = rows(sys.argv[1]), rows(sys.argv[2])
    base_map = sys.argv[3] if len(sys.argv) > 3 else "tve"
    common = sorted(set(base) & set(other))
    groups = [("all", common), ("held-out classes", [s for s in common if base[s]["heldOutClass"]]),
              ("other classes", [s for s in common if not base[s]["heldOutClass"]])]
    print(f"{sys.argv[2]} tve - {sys.argv[1]} {base_map}")
    for name, scenes in groups:
        if not scenes:
            continue
        cells = []
        for k, (metric, sign) in enumerate(METRICS):
            d = [other[s]["scores"]["tve"][k] - base[s]["scores"][base_map][k] for s in scenes]
            m, lo, hi = interval(d)
            verdict = " better" if (lo > 0 if sign > 0 else hi < 0) else (" worse" if (lo > 0 or hi < 0) else "")
            cells.append(f"{metric} {m:+.4f} [{lo:+.4f}, {hi:+.4f}]{verdict}")
        print(f"  {name} ({len(scenes)} scenes): " + "; ".join(cells))


if __name__ == "__main__":
    main()
