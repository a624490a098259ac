#!/usr/bin/env bash
# Issue 21's explainer arms: equal-length pre-trainings against one model, each changing one setting
# of the zoo's recipe, scored on validation scenes by tve faithfulness (the same scenes for every arm,
# so differences are paired), with the best classic methods scored once on the same scenes to give
# each arm's recovery of the best method's gain over random. Resumable: a finished arm is skipped.
#   benchmarks/run-explainer-arms.sh [MODEL] [OUT]     (default zoo/scene-vit, runs/arms)
#   STEPS=1000 SCENES=150 HELD=75 ARMS="control r0" benchmarks/run-explainer-arms.sh
#   SCENES=120 HELD=60 ARMS="mixed shapley banzhaf" benchmarks/run-explainer-arms.sh MODEL runs/arms   (coalitions)
# Then: benchmarks/compare-arms.py OUT > benchmarks/results/explainer-arms.md
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
MODEL="${1:-zoo/scene-vit}" OUT="${2:-runs/arms}"
STEPS="${STEPS:-1000}" SCENES="${SCENES:-150}" HELD="${HELD:-75}"
ARMS="${ARMS:-control r0 black mixed centres8 mixer4}"
mkdir -p "$OUT"
settings() {            # the one change from the zoo's recipe (shared trunk from the encoder, r 1, zero fill, 4 centres, 2 mixer layers)
  case "$1" in
    control) echo "" ;;
    r0) echo "--radius 0" ;;
    r2) echo "--radius 2" ;;
    black) echo "--fill black" ;;
    mixed) echo "--fill mixed" ;;
    centres8) echo "--centres 8" ;;
    mixer4) echo "--mixer-layers 4" ;;
    augment) echo "--augment" ;;
    shapley) echo "--fill mixed --coalitions shapley" ;;    # on top of the zoo's mixed fill: compare with mixed
    banzhaf) echo "--fill mixed --coalitions banzhaf" ;;
    *) echo "${ARM_SETTINGS[$1]:?unknown arm $1}" ;;
  esac
}
declare -A ARM_SETTINGS
# Combinations: ARM_SPEC="name:--flags;name2:--flags" adds arms the single changes suggest.
IFS=';' read -ra specs <<< "${ARM_SPEC:-}"
for s in "${specs[@]}"; do [ -n "$s" ] && ARM_SETTINGS["${s%%:*}"]="${s#*:}"; done
faith=(--model "$MODEL" --split validation --scenes "$SCENES" --held-out-scenes "$HELD" --threads 1)
for arm in $ARMS; do
  dir="$OUT/$arm"
  if [ ! -f "$dir/explainer/explainer.card.json" ]; then
    # shellcheck disable=SC2046
    TVE_BLAS_THREADS=1 ./tve pretrain --model "$MODEL" --seed 1 --threads 1 --exclude 8,9 --steps "$STEPS" --validation 500 \
      $(settings "$arm") --out "$dir/explainer" > "$dir.pretrain.log" 2>&1 || { mkdir -p "$dir"; cat "$dir.pretrain.log" >&2; exit 1; }
  fi
  if [ ! -f "$dir/faithfulness/rows.jsonl" ]; then
    ./tve faithfulness "${faith[@]}" --explainer "$dir/explainer" --maps tve-raw,tve,random --out "$dir/faithfulness" > "$dir.faithfulness.log" 2>&1
  fi
  echo "arm $arm: done ($(settings "$arm"))"
done
# The classic methods that lead the full table, on the same scenes (their maps do not depend on the explainer).
# The command wants an explainer for its tve column: the control's, else the first arm's.
ref="$OUT/control/explainer"
[ -f "$ref/explainer.card.json" ] || ref="$OUT/${ARMS%% *}/explainer"
if [ ! -f "$OUT/references/rows.jsonl" ]; then
  ./tve faithfulness "${faith[@]}" --explainer "$ref" \
    --maps tve,random,kernel-shap,integrated-gradients,integrated-gradients-blur,occlusion --out "$OUT/references" > "$OUT/references.log" 2>&1
fi
echo "references: done"
