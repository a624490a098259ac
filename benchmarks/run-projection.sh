#!/usr/bin/env bash
# Runs the projection JMH suite and writes benchmarks/results/projection.md.
#   benchmarks/run-projection.sh [--quick] [OUT.md]
# Takes about 8 minutes (--quick: about 2) on a 2-core machine.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
mvn -B -q -DskipTests package >&2
CP="benchmarks/target/classes:$(cat benchmarks/target/classpath.txt)"
exec java -cp "$CP" dev.tve.bench.ProjectionSuite "$@"
