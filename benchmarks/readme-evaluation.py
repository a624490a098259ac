#!/usr/bin/env python3
"""README's compact tables from a `tve evaluate` report (summary.json), one per head.

    benchmarks/readme-evaluation.py benchmarks/results/evaluation-robust-zoo

Per method: the means of the six quality measures, each with the paired verdict of TVE against it
((+) TVE better, (-) TVE worse, (=) the 95 % CI includes 0), seconds per image and TVE's time as a
fraction of the method's; then the recovery line, the break-even with occlusion, TVE's agreement
with occlusion and the sanity verdicts. The full report (every CI) stays in summary.md.
"""
import json
import sys

NAMES = {
    "tve": "TVE", "saliency": "Saliency", "integrated-gradients": "IG, black",
    "integrated-gradients-blur": "IG, blur", "grad-cam": "Grad-CAM", "occlusion": "Occlusion",
    "rise": "RISE", "kernel-shap": "KernelSHAP", "random": "random", "intensity": "intensity",
}
QUALITY = ["deletion-black", "deletion-zero", "insertion-blur", "faithfulness-correlation",
           "pointing", "relevance-mass"]
HEADERS = ["deletion, black ↓", "deletion, zero ↓", "insertion ↑", "faithfulness corr. ↑",
           "pointing ↑", "relevance mass ↑"]
SANITY = ["random-head", "shuffled-labels", "random-encoder"]


def name(method):
    # A joined report names the other output's methods "method [probability]".
    base, _, output = method.partition(" [")
    label = NAMES.get(base, base)
    return f"{label}, {output.rstrip(']')}" if output else label


def verdict(against, direction):
    if against is None:
        return ""
    lo, hi = against["lo"], against["hi"]
    if lo <= 0 <= hi:
        return " (=)"
    tve_lower = hi < 0
    better = tve_lower == (direction == "LOWER_IS_BETTER")
    return " (+)" if better else " (-)"


def head_block(head, methods):
    out = []
    out.append(f"**Head `{head['head']}`** ({head['images']} scenes; head accuracy "
               f"{100 * head['accuracy']:.1f} %; chance of pointing / relevance mass "
               f"{head['boxShare']:.3f}). Means; TVE - method, paired 95 % CI, beside each "
               f"method's means: (+) TVE better, (-) TVE worse, (=) the CI includes 0:")
    out.append("")
    out.append("| method | " + " | ".join(HEADERS) + " | s / image | TVE's time as a fraction |")
    out.append("|---|" + "---:|" * (len(HEADERS) + 2))
    for m in methods:
        if m not in head["measures"]:
            continue
        cells = []
        for key in QUALITY:
            stat = head["measures"][m].get(key)
            if stat is None:
                cells.append("")
                continue
            against = head["tveAgainst"].get(m, {}).get(key) if m != "tve" else None
            direction = against["direction"] if against else None
            cells.append(f"{stat['mean']:.3f}{verdict(against, direction)}")
        cost = head["cost"].get(m)
        seconds = f"{cost['secondsPerImage']:.4f}" if cost else ""
        fraction = (f"{100 * cost['tveCostRatio']:.2f} %" if cost and m != "tve" else "")
        out.append(f"| {name(m)} | " + " | ".join(cells) + f" | {seconds} | {fraction} |")
    out.append("")
    parts = []
    for key, r in head["recovery"].items():
        met = "met" if r["met"] else "not met"
        parts.append(f"{key} {r['recovery']:.2f} [{r['lo']:.2f}, {r['hi']:.2f}] "
                     f"(best {name(r['best'])}; {met})")
    out.append("Recovery of the best attribution method's improvement over random (target >= 0.90): "
               + "; ".join(parts) + ".")
    by = head.get("recoveryByMethod", {})
    for ref in ("occlusion", "kernel-shap"):
        if ref in by:
            cells = [f"{k} {v['recovery']:.2f} [{v['lo']:.2f}, {v['hi']:.2f}]"
                     for k, v in by[ref].items()]
            out.append(f"Recovery against {name(ref)}: " + "; ".join(cells) + ".")
    even = head["cost"].get("breakEvenVsOcclusion")
    if even:
        out.append(f"Break-even with occlusion: {even['explanations']:.0f} explanations "
                   f"({even['pretrainSeconds']:.0f} s of pre-training).")
    occ = head.get("agreement", {}).get("occlusion", {}).get("tve")
    if occ:
        out.append(f"TVE vs occlusion: Spearman {occ['spearman']['mean']:.2f} "
                   f"[{occ['spearman']['lo']:.2f}, {occ['spearman']['hi']:.2f}], Kendall "
                   f"{occ['kendall']['mean']:.2f} [{occ['kendall']['lo']:.2f}, "
                   f"{occ['kendall']['hi']:.2f}].")
    verdicts = []
    for m in methods:
        s = head.get("sanity", {}).get(m)
        if not s:
            continue
        if s.get("passesAll"):
            verdicts.append(f"{name(m)} passes")
        else:
            failed = [f"{t} {s[t]['spearman']['mean']:.2f}" for t in SANITY
                      if t in s and not s[t]["pass"]]
            verdicts.append(f"{name(m)} fails ({', '.join(failed)})")
    if verdicts:
        out.append("Sanity: " + "; ".join(verdicts) + ".")
    return "\n".join(out)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: readme-evaluation.py DIR  (a tve evaluate --out folder with summary.json)")
    with open(f"{sys.argv[1]}/summary.json") as f:
        summary = json.load(f)
    report = summary["report"]
    methods = report["methods"]
    print("\n\n".join(head_block(h, methods) for h in report["heads"]))


if __name__ == "__main__":
    main()
