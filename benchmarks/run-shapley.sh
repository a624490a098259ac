#!/usr/bin/env bash
# Issue 35 on the zoo: a Shapley explainer pre-trained against the committed encoder, then
#   (a) its agreement with reference Shapley values of the patch game (antithetic permutation sampling,
#       >= 20,000 encoder passes per scene, split-half reliability) beside today's TVE, KernelSHAP at five
#       budgets, occlusion and Integrated Gradients, on SCENES test scenes per head (default 100) (ten-class; held-out on
#       scenes of its two classes);
#   (b) the EVAL_N-scene (default 500) comparison of tve evaluate for the new explainer, joined to the committed runs of
#       every method (benchmarks/results/evaluation-robust-zoo), and benchmarks/compare-shapley.py's table.
# Every step resumes (references are cached per scene; finished steps are skipped). (c), the cost, is
# benchmarks/run-explain.sh (run it alone).
#   benchmarks/run-shapley.sh [OUT]                     (default runs/shapley)
#   STEPS=800 SCENES=20 EVAL_N=150 METHODS=kernel-shap:256,kernel-shap:512,kernel-shap:1024,occlusion,integrated-gradients \
#     benchmarks/run-shapley.sh runs/shapley            (the committed run's sizes)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
OUT="${1:-runs/shapley}" STEPS="${STEPS:-1500}" SCENES="${SCENES:-100}" EVAL_N="${EVAL_N:-500}" ESTIMATOR="${ESTIMATOR:-permutation}" TVE="${TVE:-./tve}"
METHODS="${METHODS:-kernel-shap:256,kernel-shap:512,kernel-shap:1024,kernel-shap:2146,kernel-shap:4096,occlusion,integrated-gradients}"
mkdir -p "$OUT"
if [ ! -f "$OUT/explainer/explainer.card.json" ]; then
  TVE_BLAS_THREADS=1 $TVE pretrain --model zoo/scene-vit --objective shapley --estimator "$ESTIMATOR" --game-forwards 32 --batch 16 \
    --steps "$STEPS" --seed 1 --threads 1 --exclude 8,9 --validation 500 --out "$OUT/explainer" > "$OUT/pretrain.log" 2>&1
fi
if [ ! -f "$OUT/agreement/summary.md" ]; then
  $TVE shapley-agreement --heads ten-class,held-out --scenes "$SCENES" --split test --forwards 20000 --threads 1 \
    --explainer tve-shapley="$OUT/explainer" --explainer tve-window=zoo/explainer \
    --methods "$METHODS" \
    --out "$OUT/agreement" > "$OUT/agreement.log" 2>&1
fi
if [ ! -f "$OUT/evaluation/summary.md" ]; then
  $TVE evaluate --n "$EVAL_N" --heads ten-class,held-out --methods tve,random --sanity-n 0 --blur-sigma 6 --explainer "$OUT/explainer" \
    --baselines-from benchmarks/results/evaluation-robust-zoo --out "$OUT/evaluation" > "$OUT/evaluation.log" 2>&1
fi
benchmarks/compare-shapley.py "$OUT/evaluation" > "$OUT/comparison.md"
cat "$OUT/agreement/summary.md" "$OUT/comparison.md"
