#!/usr/bin/env bash
# tve explain over 100,000 files under -Xmx64m: the run is cut off halfway (kill -9), resumed to the
# end, then run once more (everything skipped). RSS of the JVM is sampled every 5 s; the table gives
# the growth from the first 10,000 images to the end, per 100,000 images.
#   benchmarks/run-scale.sh [N]     (N files, default 100000; about 30 minutes on 2 cores; run it alone)
#   TABLE_ONLY=1 benchmarks/run-scale.sh   (the table again from the last run's samples; benchmarks/scale/table.py)
# Writes benchmarks/results/scale.md. Needs the Fashion-MNIST package (apt-get install -y dataset-fashion-mnist).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
N="${1:-100000}"
W="${WORK:-runs/scale}"
OUT=benchmarks/results/scale.md
mkdir -p "$W"
./tve info > /dev/null
[ -f "$W/scenes/labels.csv" ] || ./tve scenes --split test --n "$N" --out "$W/scenes" > /dev/null
if [ "${TABLE_ONLY:-0}" != 1 ]; then
rm -rf "$W/out" "$W"/rss-*.csv

# $1 label, $2 manifest lines at which to kill -9 (0: run to the end); samples "seconds,rss_kib,manifest_lines".
run() {
  local label=$1 cut=$2 t0 pid
  t0=$(date +%s)
  TVE_JAVA_OPTS="-Xmx64m" ./tve explain "$W/scenes" --outputs maps --montage 0 --out "$W/out" > "$W/$label.log" 2>&1 &
  pid=$!
  local jpid=""
  while kill -0 "$pid" 2> /dev/null; do
    [ -n "$jpid" ] || jpid=$(pgrep -P "$pid" java || true)
    [ -n "$jpid" ] || jpid=$(pgrep -f "tve.jar explain $W/scenes" | head -1 || true)
    local now=$(( $(date +%s) - t0 )) rss=0 lines=0
    [ -n "$jpid" ] && rss=$(awk '/VmRSS/ {print $2}' "/proc/$jpid/status" 2> /dev/null || echo 0)
    [ -f "$W/out/manifest.jsonl" ] && lines=$(wc -l < "$W/out/manifest.jsonl")
    echo "$now,${rss:-0},$lines" >> "$W/rss-$label.csv"
    if [ "$cut" -gt 0 ] && [ "$lines" -ge "$cut" ]; then
      kill -9 "${jpid:-$pid}" 2> /dev/null || true
      wait "$pid" 2> /dev/null || true
      echo "cut off after ${now} s" >> "$W/$label.log"
      return 0
    fi
    sleep 5
  done
  wait "$pid"
}

run cut $(( N / 2 ))
run resumed 0
run again 0
fi
python3 benchmarks/scale/table.py "$W" "$N" > "$OUT.tmp"
mv "$OUT.tmp" "$OUT"
cat "$OUT"
