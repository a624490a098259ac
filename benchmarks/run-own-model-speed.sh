#!/usr/bin/env bash
# TVE at a real resolution on users' TorchScript encoders: ResNet-18 and ViT-S/16 size, 224 x 224,
# random weights (speed only), imported with tve import; plain inference vs TVE explain (img/s, median
# of 3 in one process) and seconds per image of occlusion, IG (50 steps) and KernelSHAP on 2 images.
# Writes benchmarks/results/own-model-speed.md. Needs Debian's python3-torch to make the encoders
# (apt-get update && apt-get install -y python3-torch). About 40 minutes on 2 cores (KernelSHAP alone about 8 minutes per image at 224); run it alone.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
WORK="${WORK:-runs/own-model-speed}"
mkdir -p "$WORK"
[ -f "$WORK/resnet18.pt" ] && [ -f "$WORK/vit-s16.pt" ] || /usr/bin/python3 benchmarks/own-model/make_encoders.py "$WORK"
mvn -B -q -DskipTests package >&2
for m in resnet18 vit-s16; do
  [ -d "$WORK/$m-model" ] || ./tve import --encoder "$WORK/$m.pt" --head "imagenet=$WORK/$m.w.npy,$WORK/$m.b.npy" --size 224 --patch 16 \
      --out "$WORK/$m-model" >&2
done
CP="benchmarks/target/classes:$(cat benchmarks/target/classpath.txt)"
OUT=benchmarks/results/own-model-speed.md
{
  echo "# TVE on users' TorchScript encoders at 224 x 224"
  echo
  echo "Produced by \`benchmarks/run-own-model-speed.sh\` on $(date -u +%Y-%m-%d) ($(nproc) cores). Random weights (speed only);"
  echo "the TVE explainer is untrained but of the right geometry: a copy of the encoder as its trunk (ResNet-18 through"
  echo "features(x), 7 x 7 repeated onto the 14 x 14 grid; ViT-S/16 through tokens(x)) and two mixer heads."
  echo
  java -cp "$CP" dev.tve.bench.OwnModelSpeed "$WORK/resnet18-model" "$WORK/vit-s16-model"
} > "$OUT.tmp"
mv "$OUT.tmp" "$OUT"
cat "$OUT"
