#!/usr/bin/env bash
# Runs README's checked command examples as written: every ```bash block right after a
# "<!-- readme-check -->" line, in order, from the repository root (writing into my/, removed before
# and after). A block after "<!-- readme-check in=DIR -->" runs instead in a temporary copy of DIR
# (the example's input files), with ./tve on PATH as written. Fails on the first command that fails.
# .ci/run calls it. Blocks left unchecked are the two commands (CI runs them), the consumer
# example (CI runs it) and the hour-long evaluation and tester runs (their scripts are the check).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# One record per block: "DIR<TAB>" line, then the block, then a line holding only "\x1e".
blocks="$(awk '
  /^<!-- readme-check( in=[^ ]+)? -->$/ { armed = 1; dir = "."; if ($0 ~ / in=/) { dir = $3; sub(/^in=/, "", dir) } next }
  armed && /^```bash$/ { inside = 1; armed = 0; print dir "\t"; next }
  inside && /^```$/ { inside = 0; print "\036"; next }
  inside { print }
  { armed = armed && /^$/ }
' README.md)"
[ -n "$blocks" ] || { echo "check-readme: no checked blocks in README.md" >&2; exit 1; }
n="$(grep -c '^<!-- readme-check' README.md)"
echo "check-readme: running $n block(s) of README.md" >&2
rm -rf my
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp" "$ROOT/my"' EXIT
i=0
while IFS= read -r -d $'\036' block; do
  block="${block#$'\n'}"
  [ -n "$block" ] || continue
  i=$((i + 1))
  dir="${block%%$'\t'*}"
  script="${block#*$'\t'}"
  if [ "$dir" = "." ]; then
    (cd "$ROOT" && bash -euo pipefail -c "$script") || { echo "check-readme: block $i failed" >&2; exit 1; }
  else
    work="$tmp/block-$i"
    cp -r "$ROOT/$dir" "$work"
    ln -s "$ROOT/tve" "$work/tve"                  # the example says ./tve, as from the repository root
    (cd "$work" && bash -euo pipefail -c "$script") || { echo "check-readme: block $i (in $dir) failed" >&2; exit 1; }
  fi
  echo "check-readme: block $i ran" >&2
done <<< "$blocks"
[ "$i" -eq "$n" ] || { echo "check-readme: $n markers but $i blocks ran (a marker not followed by a bash block?)" >&2; exit 1; }
echo "check-readme: every checked README command ran" >&2
