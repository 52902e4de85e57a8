#!/usr/bin/env bash
# Fills fuzz/corpus/check/ with the seeds: every valid spec set under tests/data/valid/ (the
# files of one set joined by NUL bytes, which the target splits back into files), every
# UTF-8 case of tests/data/invalid/, and the shipped specs/.
set -euo pipefail
cd "$(dirname "$0")/.."
out=fuzz/corpus/check
mkdir -p "$out"
for dir in tests/data/valid/*/ tests/data/invalid/*/; do
  name=$(basename "$dir")
  files=("$dir"*.yaml)
  [ -e "${files[0]}" ] || continue
  first=1
  : > "$out/$name"
  for f in "${files[@]}"; do
    [ $first = 1 ] || printf '\0' >> "$out/$name"
    cat "$f" >> "$out/$name"
    first=0
  done
done
for f in specs/*.yaml; do
  cp "$f" "$out/spec-$(basename "$f" .yaml)"
done
echo "seeded $(ls "$out" | wc -l) inputs into $out"
