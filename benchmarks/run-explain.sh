#!/usr/bin/env bash
# Explanation throughput vs the encoder's plain inference (img/s, batch 64, 1 libtorch thread), for
# the zoo's explainer configuration and the alternatives compared, median of RUNS (default 3) JMH runs
# in this one script; writes benchmarks/results/explain.md.
#   benchmarks/run-explain.sh                       (about 3 minutes per run on a 2-core machine; run it alone)
#   SHAPES=shared MIXERS=2,4 OBJECTIVES=window,shapley RUNS=3 benchmarks/run-explain.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
mvn -B -q -DskipTests install >&2
CP="benchmarks/target/classes:$(cat benchmarks/target/classpath.txt)"
OUT=benchmarks/results/explain.md
RUNS="${RUNS:-3}" SHAPES="${SHAPES:-shared}" MIXERS="${MIXERS:-2}" OBJECTIVES="${OBJECTIVES:-window,shapley}"
TMP=$(mktemp -d)
files=()
for ((i = 1; i <= RUNS; i++)); do
  java -cp "$CP" org.openjdk.jmh.Main 'ExplainBench' -p shape="$SHAPES" -p mixer="$MIXERS" -p objective="$OBJECTIVES" -rf json -rff "$TMP/run$i.json" >&2
  files+=("$TMP/run$i.json")
done
java -cp "$CP" dev.tve.bench.ExplainReport "${files[@]}" > "$OUT.tmp"
mv "$OUT.tmp" "$OUT"
rm -rf "$TMP"
cat "$OUT"
