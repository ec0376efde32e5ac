#!/usr/bin/env bash
# Genuine genksyms symtypes trees of a few hundred real translation units per kernel, for issue 24's
# grouping check (not part of `npm test`): Debian 6.1.0-47 (6.1.170-3) and 6.1.0-56 (6.1.192-2).
# Each exporting file is built in place in the unpacked linux-source tree by kbuild with the
# installed headers package (make -C headers M=dir KBUILD_SYMTYPES=1 file.symtypes), its directory's
# own Makefile giving its flags; a file that does not build (a config it needs is off, a header
# only the full tree generates) is left out. The files are those of a few directories whose
# first EXPORT_SYMBOL is a vmlinux export in both kernels' Module.symvers.
# Output: $KMODX_SYMTYPES_TREES (default /var/tmp/symtypes-trees)/{47,56}/<dir>/<file>.symtypes,
# files.txt (the units built in both), and consolidated-{47,56}.symtypes when ksymtypes is given
# (KSYMTYPES=/path/to/ksymtypes, SUSE's suse-kabi-tools).
# kbuild's %.symtypes rule always runs: a second run rebuilds every file (about 30 min per kernel
# on 2 busy cores).
# Usage: scripts/make-symtypes-trees.sh   (needs /var/tmp/linux-src/linux-source-6.1.{170-3,192-2}.tar.xz
#        and linux-headers-6.1.0-{47,56}-amd64; unpacks into $KMODX_SYMTYPES_BUILD, default /var/tmp/symtypes-build)
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
trees="${KMODX_SYMTYPES_TREES:-/var/tmp/symtypes-trees}"
build="${KMODX_SYMTYPES_BUILD:-/var/tmp/symtypes-build}"
sources="${KMODX_LINUX_SOURCES:-/var/tmp/linux-src}"
declare -A headers=([47]=/usr/src/linux-headers-6.1.0-47-amd64 [56]=/usr/src/linux-headers-6.1.0-56-amd64)
declare -A version=([47]=6.1.170-3 [56]=6.1.192-2)
directories=(kernel mm lib fs block net/core net/ipv4 drivers/base security crypto drivers/char drivers/pci drivers/tty)
# Files of options Debian's config leaves off (SLAB, SLOB, !MMU, !SMP): they build, but their exports
# are another file's (slub.c, vmalloc.c, smp.c) and would shadow them.
excluded=(mm/slab mm/slob mm/nommu kernel/up)

for label in 47 56; do
	[ -f "${headers[$label]}/Makefile" ] || { echo "make-symtypes-trees: ${headers[$label]} is missing (apt-get install linux-headers-6.1.0-$label-amd64)" >&2; exit 2; }
	tarball="$sources/linux-source-${version[$label]}.tar.xz"
	[ -f "$tarball" ] || { echo "make-symtypes-trees: $tarball is missing (apt-get download linux-source-6.1=${version[$label]})" >&2; exit 2; }
	if [ ! -f "$build/$label/Makefile" ]; then
		mkdir -p "$build/$label"
		tar -xJf "$tarball" -C "$build/$label" --strip-components=1
	fi
done

mkdir -p "$trees"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# vmlinux exports of both kernels.
for label in 47 56; do
	awk '$3 == "vmlinux" {print $2}' "${headers[$label]}/Module.symvers" | sort > "$work/vmlinux-$label"
done
comm -12 "$work/vmlinux-47" "$work/vmlinux-56" > "$work/vmlinux"

# Candidates: files whose first export is a vmlinux export of both kernels.
: > "$work/candidates"
for directory in "${directories[@]}"; do
	for file in "$build/47/$directory"/*.c; do
		first=$(grep -oP '^EXPORT_SYMBOL(_GPL)?(_NS(_GPL)?)?\(\s*\K\w+' "$file" | head -1 || true)
		unit="$directory/$(basename "$file" .c)"
		if [[ " ${excluded[*]} " == *" $unit "* ]]; then
			continue
		fi
		if [ -n "$first" ] && [ -f "$build/56/$directory/$(basename "$file")" ] && grep -qx "$first" "$work/vmlinux"; then
			echo "$directory/$(basename "$file" .c)" >> "$work/candidates"
		fi
	done
done
echo "make-symtypes-trees: $(wc -l < "$work/candidates") candidate files"

# One make per directory and kernel, -k so that a file that does not build leaves the others; two at a time.
build_directory() {
	local label=$1 directory=$2 headers=$3 build=$4 trees=$5
	local targets=()
	while read -r unit; do
		[ "$(dirname "$unit")" = "$directory" ] && targets+=("$(basename "$unit").symtypes")
	done < "$CANDIDATES"
	make -s -k -C "$headers" M="$build/$label/$directory" KBUILD_SYMTYPES=1 "${targets[@]}" > "$LOGS/$label-${directory//\//_}.log" 2>&1 || true
	mkdir -p "$trees/$label/$directory"
	for target in "${targets[@]}"; do
		if [ -s "$build/$label/$directory/$target" ]; then
			cp "$build/$label/$directory/$target" "$trees/$label/$directory/$target"
		fi
	done
}
export -f build_directory
export CANDIDATES="$work/candidates" LOGS="$trees/logs"
mkdir -p "$LOGS"
rm -rf "$trees/47" "$trees/56"
for label in 47 56; do
	printf '%s\n' "${directories[@]}" | xargs -P 2 -I{} bash -c 'build_directory "$@"' _ "$label" {} "${headers[$label]}" "$build" "$trees"
done

# Units built in both kernels; the others are removed so that both trees hold the same units.
for label in 47 56; do
	(cd "$trees/$label" && find . -name '*.symtypes' | sed 's|^\./||' | sort) > "$work/built-$label"
done
comm -12 "$work/built-47" "$work/built-56" > "$trees/files.txt"
for label in 47 56; do
	comm -23 "$work/built-$label" "$trees/files.txt" | while read -r extra; do rm -f "$trees/$label/$extra"; done
done
echo "make-symtypes-trees: $(wc -l < "$trees/files.txt") units built for both kernels in $trees"

if [ -n "${KSYMTYPES:-}" ]; then
	for label in 47 56; do
		"$KSYMTYPES" consolidate --output="$trees/consolidated-$label.symtypes" "$trees/$label"
	done
fi

# Sanity: the CRCs recomputed from each tree equal the kernel's Module.symvers.
[ -f "$repo/build/bench/symtypes-trees-compare.js" ] || npm run build > /dev/null
node "$repo/build/bench/symtypes-trees-compare.js" crcs "$trees"
