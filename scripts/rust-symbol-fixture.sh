#!/bin/bash
# Re-records the two reference demanglings of test/fixtures/rust-symbols/names.tsv: for each name
# (column 2), column 3 is `c++filt -i` (binutils) and column 4 is `rustfilt` (rustc-demangle).
# The names themselves and where they come from are described in the file's header.
# Needs: apt-get install binutils rustfilt.
set -euo pipefail
file=${1:-test/fixtures/rust-symbols/names.tsv}
command -v c++filt >/dev/null && command -v rustfilt >/dev/null || { echo "needs c++filt (binutils) and rustfilt" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
grep '^#' "$file" > "$work/header"
grep -v '^#' "$file" | cut -f1 > "$work/source"
grep -v '^#' "$file" | cut -f2 > "$work/names"
c++filt -i < "$work/names" > "$work/cxxfilt"
rustfilt < "$work/names" > "$work/rustfilt"
paste "$work/source" "$work/names" "$work/cxxfilt" "$work/rustfilt" | cat "$work/header" - > "$work/new"
mv "$work/new" "$file"
echo "$(grep -vc '^#' "$file") names; $(grep -v '^#' "$file" | awk -F'\t' '$3 != $4' | wc -l) where c++filt and rustfilt differ"
