#!/usr/bin/env bash
# Runs README's checked command examples as written: every ```bash block right after a
# "<!-- readme-check -->" line, in order, from the repository root, into my/ (removed before and
# after). Fails on the first command that fails. CI runs it (.ci/run).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
script="$(awk '
  /^<!-- readme-check -->$/ { armed = 1; next }
  armed && /^```bash$/ { inside = 1; armed = 0; next }
  inside && /^```$/ { inside = 0; print ""; next }
  inside { print }
  { armed = armed && /^$/ }
' README.md)"
[ -n "$script" ] || { echo "check-readme: no checked blocks in README.md" >&2; exit 1; }
blocks="$(grep -c '^<!-- readme-check -->$' README.md)"
rm -rf my
echo "check-readme: running $blocks block(s) of README.md" >&2
bash -euo pipefail -c "$script"
rm -rf my
echo "check-readme: every checked README command ran" >&2
