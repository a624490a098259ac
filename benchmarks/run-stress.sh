#!/usr/bin/env bash
# The long form of tve-core's TveStressTest: every entry point of one Tve (floats, heap and direct
# buffers, tensors, decoded images, encoded bytes, files) with TVE and classic methods (gradient ones
# included) from THREADS threads, CALLS calls each, in a JVM of HEAP; every map compared bit for bit
# with the single-threaded float[] map of the same image. Writes benchmarks/results/stress.md.
#   benchmarks/run-stress.sh [THREADS] [CALLS] [HEAP]     (default 8 2000 96m: about 10 minutes on 2 cores)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
THREADS="${1:-8}"
CALLS="${2:-2000}"
HEAP="${3:-96m}"
OUT=benchmarks/results/stress.md
sha() { grep -m1 -o '"weightsSha256" : "[0-9a-f]*"' "$1" | cut -d'"' -f4; }
body="$(mktemp)"
trap 'rm -f "$body"' EXIT
status=0
mvn -B -q -pl java/tve-core test-compile surefire:test@stress -Dtest=TveStressTest -Dtve.stress.threads="$THREADS" \
  -Dtve.stress.calls="$CALLS" -Dtve.stress.heap="$HEAP" -Dtve.stress.report="$body" > /dev/null 2>&1 || status=$?
[ -s "$body" ] || { echo "run-stress.sh: the test wrote no record (exit $status); run it with mvn to see why" >&2; exit 1; }
{
  echo "# Stress: every entry point, many threads, a small heap"
  echo
  echo "Command: \`benchmarks/run-stress.sh $THREADS $CALLS $HEAP\` (tve-core's TveStressTest, long form)."
  echo "Model: the embedded zoo, encoder SHA-256 \`$(sha zoo/scene-vit/encoder.card.json)\`, explainer \`$(sha zoo/explainer/explainer.card.json)\`."
  echo "Machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores; commit $(git rev-parse --short HEAD)."
  echo
  cat "$body"
  echo
} > "$OUT"
cat "$OUT"
exit "$status"
