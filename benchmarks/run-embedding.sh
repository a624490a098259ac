#!/usr/bin/env bash
# Embedding throughput (img/s, batch 64) of the built-in encoders; writes benchmarks/results/embedding.md.
#   benchmarks/run-embedding.sh        (about 6 minutes on a 2-core machine)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
mvn -B -q -DskipTests package >&2
CP="benchmarks/target/classes:$(cat benchmarks/target/classpath.txt)"
OUT=benchmarks/results/embedding.md
JSON=$(mktemp)
java -cp "$CP" org.openjdk.jmh.Main 'EmbeddingBench' -rf json -rff "$JSON" >&2
java -cp "$CP" dev.tve.bench.EmbeddingReport "$JSON" > "$OUT.tmp"
mv "$OUT.tmp" "$OUT"
rm -f "$JSON"
cat "$OUT"
