#!/usr/bin/env bash
# The batch CLI against the engine, in one script on the same machine: the engine's explain
# throughput (ExplainBench, the zoo's explainer shape, batch 64: run-explain.sh's settings) and
# tve explain over N scene files (default 20,000; batch 64, 1 libtorch thread): maps only, maps and
# overlays, and all targets of three heads (maps only). Writes benchmarks/results/batch.md.
#   benchmarks/run-batch.sh [N]     (about 10 minutes on 2 cores; run it alone)
# Needs the Fashion-MNIST package (apt-get install -y dataset-fashion-mnist).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
N="${1:-20000}"
W="${WORK:-runs/batch}"
OUT=benchmarks/results/batch.md
mkdir -p "$W"
mvn -B -q -DskipTests package >&2
./tve info > /dev/null
[ -f "$W/scenes/labels.csv" ] || ./tve scenes --split test --n "$N" --out "$W/scenes" > /dev/null
SHAPE=$(python3 -c "import json; print(json.load(open('zoo/explainer/explainer.card.json'))['config']['shape'].lower())")

CP="benchmarks/target/classes:$(cat benchmarks/target/classpath.txt)"
java -cp "$CP" org.openjdk.jmh.Main 'ExplainBench' -p shape="$SHAPE" -rf json -rff "$W/engine.json" > "$W/engine.log" 2>&1

cli() {       # $1 label, then tve explain options
  local label=$1; shift
  rm -rf "$W/out-$label"
  ./tve explain "$W/scenes" --batch 64 --threads 1 "$@" --out "$W/out-$label" > "$W/$label.log" 2> "$W/$label.err"
  du -sk "$W/out-$label" | cut -f1 > "$W/$label.kib"
  rm -rf "$W/out-$label"
}
cli maps --outputs maps --montage 0
cli overlays --outputs both
cli all-targets --outputs maps --montage 0 --head ten-class,coarse,held-out --target all

python3 - "$W" "$N" "$SHAPE" > "$OUT.tmp" << 'EOF'
import json, re, sys
w, n, shape = sys.argv[1], int(sys.argv[2]), sys.argv[3]
engine = json.load(open(f"{w}/engine.json"))
rate = {r["benchmark"].split(".")[-1]: r["primaryMetric"]["score"] for r in engine}
eng = rate["explain"]
def cli(label):
    line = open(f"{w}/{label}.log").read().strip().splitlines()[-1]
    m = re.search(r"done (\d+) images, skipped (\d+) \(done before\), failed (\d+), in ([0-9.]+) s", line)
    done, secs = int(m.group(1)), float(m.group(4))
    return done, secs, done / secs, int(open(f"{w}/{label}.kib").read())
print(f"# Batch CLI against the engine\n")
print(f"Produced by `benchmarks/run-batch.sh` ({n:,} scene files of 56 x 56, the zoo: ViT encoder, {shape} explainer, batch 64, "
      f"1 libtorch thread, 2 cores). Engine: ExplainBench (`explain` = encoder + explainer + fused projection on an in-memory "
      f"tensor; run-explain.sh's settings), same machine, same run. CLI: `tve explain` over the files (walk, decode, explain, write), "
      f"its own timing of the pipeline (model loading excluded).\n")
print("| run | images | img/s | ns/image | against | ratio | target | output |")
print("|---|---:|---:|---:|---|---:|---:|---:|")
print(f"| engine explain (ExplainBench) | - | {eng:.0f} | {1e9 / eng:,.0f} | - | - | - | - |")
print(f"| engine embed only (ExplainBench) | - | {rate['embed']:.0f} | {1e9 / rate['embed']:,.0f} | - | - | - | - |")
maps = cli("maps")
for label, what, against, base, target in [("maps", "maps only", "engine explain", eng, 0.8),
                                          ("overlays", "maps and overlays", "engine explain", eng, 0.5),
                                          ("all-targets", "all targets of 3 heads (16 maps), maps only", "maps only, 1 target", maps[2], 0.5)]:
    done, secs, r, kib = cli(label)
    print(f"| tve explain: {what} | {done:,} | {r:.0f} | {1e9 / r:,.0f} | {against} | {r / base:.2f} | {target} | {kib / 1024:,.0f} MiB |")
EOF
mv "$OUT.tmp" "$OUT"
cat "$OUT"
