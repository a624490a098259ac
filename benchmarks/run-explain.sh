#!/usr/bin/env bash
# Explanation throughput vs the encoder's plain inference (img/s, batch 64, 1 libtorch thread),
# both explainer shapes; writes benchmarks/results/explain.md.
#   benchmarks/run-explain.sh        (about 3 minutes on a 2-core machine; run it alone)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
mvn -B -q -DskipTests package >&2
CP="benchmarks/target/classes:$(cat benchmarks/target/classpath.txt)"
OUT=benchmarks/results/explain.md
JSON=$(mktemp)
java -cp "$CP" org.openjdk.jmh.Main 'ExplainBench' -rf json -rff "$JSON" >&2
java -cp "$CP" dev.tve.bench.ExplainReport "$JSON" > "$OUT.tmp"
mv "$OUT.tmp" "$OUT"
rm -f "$JSON"
cat "$OUT"
