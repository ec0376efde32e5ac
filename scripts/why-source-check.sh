#!/usr/bin/env bash
# Checks issue 11's "Done when" on the real Debian source packages (not part of `npm test`):
# for each of my_drv's 11 CRC changes 47 -> 56, `kmodx why SYM` with the two headers directories
# and the two linux-source tarballs must answer method symtypes, verified, complete, and list
# exactly the changed definitions a plain diff of genksyms's own output shows. The reference is
# made without kmodx: the exporting file is found with grep, its symtypes made by kbuild in the
# unpacked tree with its own Makefile, the diff read by a few lines of Python.
# Usage: scripts/why-source-check.sh [--download]   (packages cached in $KMODX_SOURCE_DIR, default /tmp/kmodx-source)
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
cache="${KMODX_SOURCE_DIR:-/tmp/kmodx-source}"
declare -A headers=([47]=/usr/src/linux-headers-6.1.0-47-amd64 [56]=/usr/src/linux-headers-6.1.0-56-amd64)
declare -A version=([47]=6.1.170-3 [56]=6.1.192-2)
for label in 47 56; do
	[ -d "${headers[$label]}" ] || { echo "why-source-check: ${headers[$label]} is missing (apt-get install linux-headers-6.1.0-$label-amd64)" >&2; exit 2; }
	tarball="$cache/linux-source-${version[$label]}.tar.xz"
	if [ ! -f "$tarball" ]; then
		if [ "${1:-}" != "--download" ]; then
			echo "why-source-check: $tarball is missing; run with --download (fetches linux-source-6.1 ${version[$label]}, 139 MB)" >&2
			exit 2
		fi
		mkdir -p "$cache/deb-$label"
		(cd "$cache/deb-$label" && apt-get download "linux-source-6.1=${version[$label]}" && dpkg-deb -x linux-source-6.1_*.deb x)
		mv "$cache/deb-$label/x/usr/src/linux-source-6.1.tar.xz" "$tarball"
		rm -rf "$cache/deb-$label"
	fi
	if [ ! -d "$cache/tree-$label" ]; then
		mkdir -p "$cache/tree-$label"
		tar -xJf "$tarball" -C "$cache/tree-$label" --strip-components=1
	fi
done
npm run build >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export KMODX_CACHE_DIR="$work/cache"
symbols=(module_layout misc_register misc_deregister wake_up_process noop_llseek debugfs_remove debugfs_create_file kthread_stop kthread_create_on_node kmalloc_trace kmalloc_caches)
failures=0
for symbol in "${symbols[@]}"; do
	for label in 47 56; do
		tree="$cache/tree-$label"
		# The exporting file, by grep (the same .c on both sides for these symbols).
		file=$(cd "$tree" && grep -rlE "^EXPORT_SYMBOL(_GPL)?\($symbol\);" --include='*.c' . | grep -v '^./arch/' | head -1)
		file=${file#./}
		dir=$(dirname "$file"); stem=$(basename "$file" .c)
		# A copy of the tree by hard links, so that kbuild's output does not land in the reference tree.
		[ -d "$work/tree-$label" ] || cp -al "$tree" "$work/tree-$label"
		rm -f "$work/tree-$label/$dir/$stem.symtypes"
		make -s -C "${headers[$label]}" M="$work/tree-$label/$dir" KBUILD_SYMTYPES=1 "$stem.symtypes" >/dev/null 2>"$work/make.log" || { cat "$work/make.log" >&2; exit 1; }
		cp "$work/tree-$label/$dir/$stem.symtypes" "$work/$symbol-$label.symtypes"
		echo "$file" > "$work/$symbol.file"
	done
	reference=$(python3 - "$work/$symbol-47.symtypes" "$work/$symbol-56.symtypes" "$symbol" <<'PY'
import sys
def read(name):
    return {line.split()[0]: ' '.join(line.split()[1:]) for line in open(name, encoding='latin1') if line.strip()}
before, after, symbol = read(sys.argv[1]), read(sys.argv[2]), sys.argv[3]
seen, queue = {symbol}, [symbol]
while queue:
    for token in after.get(queue.pop(), '').split():
        if '#' in token and token in after and token not in seen:
            seen.add(token); queue.append(token)
names = {'s': 'struct ', 'u': 'union ', 'e': 'enum ', 't': '', 'E': ''}
print('\n'.join(sorted(names[k[0]] + k[2:] for k in seen if k in before and k != symbol and before[k] != after[k])))
PY
)
	json=$(node build/bin/kmodx.cjs why "$symbol" -k 47="${headers[47]}" -k 56="${headers[56]}" --types 47="$cache/linux-source-6.1.170-3.tar.xz" --types 56="$cache/linux-source-6.1.192-2.tar.xz" --json)
	answer=$(node -e '
		const e = JSON.parse(process.argv[1]);
		const ok = e.method === "symtypes" && e.verified && e.complete ? "ok" : `method ${e.method}, verified ${e.verified}, complete ${e.complete}`;
		console.log(ok);
		console.log([...new Set(e.changes.filter(c => c.kind !== "prototype_changed").map(c => c.type))].sort().join("\n"));
		console.error(`${e.symbol}: ${e.origins.from.file}, ${e.changes.length} changes in ${new Set(e.changes.map(c => c.type)).size} types; ${[...new Set(e.changes.filter(c => c.member).map(c => `${c.type}.${c.member}`))].slice(0, 3).join(", ")}…`);
	' "$json")
	status=$(head -1 <<<"$answer"); types=$(tail -n +2 <<<"$answer")
	if [ "$status" = ok ] && [ "$types" = "$reference" ]; then
		echo "ok   $symbol ($(cat "$work/$symbol.file")): $(wc -l <<<"$reference") changed definitions, as genksyms's diff shows"
	else
		failures=$((failures + 1))
		echo "FAIL $symbol: $status"; diff <(echo "$reference") <(echo "$types") || true
	fi
done
echo "why-source-check: $((${#symbols[@]} - failures)) of ${#symbols[@]} symbols agree with the reference"
[ "$failures" = 0 ]
