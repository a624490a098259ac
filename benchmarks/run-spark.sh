#!/usr/bin/env bash
# tve spark-explain (local[2]) against tve explain's maps-only run on the same N scene files, in one
# script on one machine; the Spark JVM's RSS sampled every 2 s; and TVE against KernelSHAP through
# the same transformer on K files (cost per image). Writes benchmarks/results/spark.md.
#   benchmarks/run-spark.sh [N] [K]     (N default 20,000, K default 200; about 15 minutes on 2 cores; run it alone)
# Needs the Fashion-MNIST package (apt-get install -y dataset-fashion-mnist).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
N="${1:-20000}"
K="${2:-200}"
W="${WORK:-runs/spark}"
OUT=benchmarks/results/spark.md
mkdir -p "$W"
mvn -B -q -DskipTests package >&2
./tve info > /dev/null
[ -f "$W/scenes/labels.csv" ] || ./tve scenes --split test --n "$N" --out "$W/scenes" > /dev/null
[ -f "$W/scenes-$K/labels.csv" ] || ./tve scenes --split test --n "$K" --scene-seed 11 --out "$W/scenes-$K" > /dev/null

# The single process: tve explain, maps only (its own timing: the pipeline, model loading excluded).
rm -rf "$W/out-cli"
./tve explain "$W/scenes" --batch 64 --threads 1 --outputs maps --montage 0 --out "$W/out-cli" > "$W/cli.log" 2> "$W/cli.err"
rm -rf "$W/out-cli"

# Spark, local[2]: two task threads sharing one engine in one JVM, its heap bounded as an executor's
# would be (spark.executor.memory); RSS of that JVM every 2 s.
SPARK_HEAP="${SPARK_HEAP:--Xmx1g}"
spark() {     # $1 label, then tve spark-explain options
  local label=$1; shift
  rm -rf "$W/out-$label"
  TVE_JAVA_OPTS="$SPARK_HEAP" ./tve spark-explain "$@" --out "$W/out-$label" --master 'local[2]' --batch 64 --threads 1 \
    > "$W/$label.log" 2> "$W/$label.err" &
  local pid=$! t0
  t0=$(date +%s.%N)
  : > "$W/rss-$label.csv"
  while kill -0 "$pid" 2> /dev/null; do
    local jpid
    jpid=$(pgrep -f "dev.tve.spark.SparkExplain.*out-$label" | head -1 || true)
    [ -n "$jpid" ] && echo "$(echo "$(date +%s.%N) - $t0" | bc),$(ps -o rss= -p "$jpid" 2> /dev/null | tr -d ' ')" >> "$W/rss-$label.csv"
    sleep 2
  done
  wait "$pid"
  du -sk "$W/out-$label" | cut -f1 > "$W/$label.kib"
}
spark spark "$W/scenes"
spark tve "$W/scenes-$K"
spark kernel-shap "$W/scenes-$K" --method kernel-shap

python3 benchmarks/spark/table.py "$W" "$N" "$K" "$SPARK_HEAP" > "$OUT.tmp"
mv "$OUT.tmp" "$OUT"
cat "$OUT"
