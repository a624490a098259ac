#!/usr/bin/env bash
# Encoder throughput (img/s, batch 64: embedding and training step) of the built-in encoders at
# 1 and 2 libtorch threads, plus the same at glibc's allocator defaults (the baseline of the
# allocator policy); writes benchmarks/results/embedding.md.
#   benchmarks/run-embedding.sh        (about 8 minutes on a 2-core machine; run it alone)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
mvn -B -q -DskipTests package >&2
CP="benchmarks/target/classes:$(cat benchmarks/target/classpath.txt)"
OUT=benchmarks/results/embedding.md
TUNED=$(mktemp) BASE=$(mktemp)
java -cp "$CP" org.openjdk.jmh.Main 'EmbeddingBench' -rf json -rff "$TUNED" >&2
java -cp "$CP" org.openjdk.jmh.Main 'EmbeddingBench' -p mallocTune=false -p torchThreads=1 -rf json -rff "$BASE" >&2
java -cp "$CP" dev.tve.bench.EmbeddingReport "$TUNED" "$BASE" > "$OUT.tmp"
mv "$OUT.tmp" "$OUT"
rm -f "$TUNED" "$BASE"
cat "$OUT"
