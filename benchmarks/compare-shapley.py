#!/usr/bin/env python3
"""Issue 35 (b): a Shapley explainer's 500-scene comparison against today's TVE and KernelSHAP.

    benchmarks/compare-shapley.py NEW_RUN [BASE_RUN] [PROBABILITY_RUN] > table.md

NEW_RUN: `tve evaluate --methods tve,random` of the new explainer (rows.jsonl or rows.jsonl.gz);
BASE_RUN (default benchmarks/results/evaluation-robust-zoo): the committed run of every method with
today's explainer, explaining the logit; PROBABILITY_RUN (default ...-probability): the same explaining
the probability. Per head and measure: the recovery of KernelSHAP-logit's gain over random (random from
the new run; bootstrap 95 % CI over scenes), the paired difference from today's TVE, the recovery of the
best method of either output with its ceiling (what a perfect copy of KernelSHAP-logit would recover).
Standard library only.
"""
import gzip
import json
import random
import sys
from pathlib import Path

MEASURES = [("deletionBlack", "deletion, black", -1), ("deletionZero", "deletion, zero", -1), ("insertion", "insertion", 1)]
RESAMPLES = 10000


def rows(run):
    run = Path(run)
    f = run / "rows.jsonl"
    lines = f.read_text().splitlines() if f.exists() else gzip.open(run / "rows.jsonl.gz", "rt").read().splitlines()
    out = {}
    for line in lines:
        r = json.loads(line)
        out[(r["head"], r["scene"])] = r["methods"]
    return out


def boot(stat, n, seed):
    rnd = random.Random(seed)
    vals = []
    for _ in range(RESAMPLES):
        idx = [rnd.randrange(n) for _ in range(n)]
        vals.append(stat(idx))
    vals.sort()
    return vals[int(0.025 * RESAMPLES)], vals[int(0.975 * RESAMPLES) - 1]


def recovery(a, rnd, ref, sign):
    """Share of the reference's gain over random that a recovers: mean over scenes, then the ratio."""
    ga = sum(sign * (x - r) for x, r in zip(a, rnd))
    gr = sum(sign * (x - r) for x, r in zip(ref, rnd))
    return ga / gr if gr else float("nan")


def main():
    new = rows(sys.argv[1])
    base = rows(sys.argv[2] if len(sys.argv) > 2 else "benchmarks/results/evaluation-robust-zoo")
    prob = rows(sys.argv[3] if len(sys.argv) > 3 else "benchmarks/results/evaluation-robust-zoo-probability")
    heads = sorted({h for h, _ in new}, key=lambda h: (h != "ten-class", h))
    print("| head | measure | TVE-shapley | today's TVE | paired difference [95 % CI] | KernelSHAP (logit) | recovery of KernelSHAP-logit "
          "[95 % CI] | best of either output | recovery of best [95 % CI] | ceiling (KernelSHAP-logit's own) |")
    print("|---|---|---:|---:|---:|---:|---:|---|---:|---:|")
    for head in heads:
        keys = sorted(k for k in new if k[0] == head and k in base and k in prob)
        n = len(keys)
        for key, label, sign in MEASURES:
            t = [new[k]["tve"][key] for k in keys]
            rnd = [new[k]["random"][key] for k in keys]
            old = [base[k]["tve"][key] for k in keys]
            ks = [base[k]["kernel-shap"][key] for k in keys]
            # The best attribution method of either output on this measure (by mean).
            cands = {}
            for src, tag in ((base, ""), (prob, " [probability]")):
                for m in base[keys[0]]:
                    if m in ("tve", "random", "intensity"):
                        continue
                    if all(m in src[k] for k in keys):
                        cands[m + tag] = [src[k][m][key] for k in keys]
            best = max(cands, key=lambda m: sign * sum(cands[m]) / n)
            bv = cands[best]
            d = [a - b for a, b in zip(t, old)]
            dm = sum(d) / n
            dlo, dhi = boot(lambda idx: sum(d[i] for i in idx) / n, n, 1)
            rk = recovery(t, rnd, ks, sign)
            rklo, rkhi = boot(lambda idx: recovery([t[i] for i in idx], [rnd[i] for i in idx], [ks[i] for i in idx], sign), n, 2)
            rb = recovery(t, rnd, bv, sign)
            rblo, rbhi = boot(lambda idx: recovery([t[i] for i in idx], [rnd[i] for i in idx], [bv[i] for i in idx], sign), n, 3)
            ceiling = recovery(ks, rnd, bv, sign)
            better = "better" if (sign < 0 and dhi < 0) or (sign > 0 and dlo > 0) else "worse" if (sign < 0 and dlo > 0) or (sign > 0 and dhi < 0) else "tie"
            print(f"| {head} ({n}) | {label} | {sum(t)/n:.4f} | {sum(old)/n:.4f} | {dm:+.4f} [{dlo:+.4f}, {dhi:+.4f}] {better} | {sum(ks)/n:.4f} | "
                  f"{rk:.3f} [{rklo:.3f}, {rkhi:.3f}] | {best} {sum(bv)/n:.4f} | {rb:.3f} [{rblo:.3f}, {rbhi:.3f}] | {ceiling:.3f} |")
    print()
    print("Deletion: lower is better; insertion: higher is better. Recovery: the share of the reference's mean gain over random (random "
          "maps of the new run) that TVE-shapley reaches; bootstrap 95 % CIs over scenes (10,000 resamples). The paired difference is "
          "TVE-shapley minus today's TVE on the same scenes.")


if __name__ == "__main__":
    main()
