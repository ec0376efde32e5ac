#!/bin/bash
# Issue 19 (not part of `npm test`: ~1.5 GB of packages): every verdict and problem list of kmodx
# on Debian 13's 6.12 (modversions) and Debian 14 / trixie-backports' 7.2 (no modversions,
# __kflagstab, module: namespaces) against an independent reference made with kmod and binutils
# (bench/generation-compare.ts); then a proprietary copy of modules against a 7.x image, plan
# across two 7.x releases, and a Module.symvers against the image of the same build.
# Usage: scripts/generations-check.sh [--download]
#   packages and unpacked trees are kept in $KMODX_GENERATIONS_DIR (default ~/.cache/kmodx-generations)
set -euo pipefail
cd "$(dirname "$0")/.."
dir="${KMODX_GENERATIONS_DIR:-$HOME/.cache/kmodx-generations}"
# release, Debian version, suite: the packages these results were measured on.
builds=(
	"7.2.12+deb13-amd64 7.2.12-1~bpo13+1"
	"7.2.13+deb14-amd64 7.2.13-1"
	"6.12.107+deb13-amd64 6.12.107-1"
	"6.12.117+deb13-amd64 6.12.117-1"
)
packagesOf() { # release version → the packages that make its headers, image and modules
	local release="$1" version="$2" common="${1%-amd64}-common"
	case "$release" in
		7.*) echo "linux-headers-$release=$version linux-headers-$common=$version linux-binary-$release=$version linux-modules-$release=$version" ;;
		*) echo "linux-headers-$release=$version linux-headers-$common=$version linux-image-$release=$version" ;;
	esac
}
if [ "${1:-}" = "--download" ]; then
	mkdir -p "$dir/apt/lists/partial" "$dir/debs"
	# A private sources list: the newer suites are never added to the system's.
	printf 'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian %s main\n' trixie trixie-backports sid > "$dir/apt/sources.list"
	apt=(-o "Dir::Etc::SourceList=$dir/apt/sources.list" -o Dir::Etc::SourceParts=/dev/null -o "Dir::State::Lists=$dir/apt/lists")
	apt-get "${apt[@]}" update -qq
	for build in "${builds[@]}"; do
		read -r release version <<< "$build"
		# shellcheck disable=SC2046
		(cd "$dir/debs" && apt-get "${apt[@]}" download $(packagesOf "$release" "$version"))
		mkdir -p "$dir/root/$release"
		for deb in "$dir/debs"/*"${release%-amd64}"*.deb; do dpkg-deb -x "$deb" "$dir/root/$release"; done
	done
fi
for build in "${builds[@]}"; do
	read -r release _ <<< "$build"
	[ -d "$dir/root/$release/usr/src/linux-headers-$release" ] || { echo "generations-check: $dir/root/$release is missing; run 'scripts/generations-check.sh --download'" >&2; exit 2; }
	plain="$dir/plain/$release"
	if [ ! -d "$plain" ]; then
		# The reference tools (nm, readelf) read plain ELF: every module decompressed once.
		(cd "$dir/root/$release/usr/lib/modules/$release/kernel" && find . -name '*.ko.xz' | while read -r f; do mkdir -p "$plain.tmp/$(dirname "$f")"; xz -dc "$f" > "$plain.tmp/${f%.xz}"; done)
		mv "$plain.tmp" "$plain"
	fi
done
npm run build > /dev/null
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export KMODX_CACHE_DIR="$work/cache"
headers() { echo "$dir/root/$1/usr/src/linux-headers-$1"; }
tree() { echo "$dir/root/$1/usr/lib/modules/$1"; }
image() { if [ -f "$(tree "$1")/vmlinuz" ]; then echo "$(tree "$1")/vmlinuz"; else echo "$dir/root/$1/boot/vmlinuz-$1"; fi; }
status=0
compare() { # name, then kmodx's kernels, then --, then the reference's
	local name="$1"; shift
	local kernels=() refs=()
	while [ "$1" != "--" ]; do kernels+=("$1"); shift; done
	shift; refs=("$@")
	echo "== $name"
	node build/bin/kmodx.cjs check "${kernels[@]}" --json -o "$work/$name.json" --force || [ $? -le 3 ]
	node build/bench/generation-compare.js "$work/$name.json" "${refs[@]}" || status=1
}
a=7.2.12+deb13-amd64 b=7.2.13+deb14-amd64 c=6.12.107+deb13-amd64 d=6.12.117+deb13-amd64
compare "7.2.12-modules" "$dir/plain/$a" -k "hdr12=$(headers $a)" -k "hdr13=$(headers $b)" -k "tree12=$(tree $a)" -k "img12=$(image $a)" \
	-- "hdr12=$(headers $a)" "hdr13=$(headers $b)" "tree12=$(headers $a)" "img12=$(headers $a),image"
compare "7.2.13-modules" "$dir/plain/$b" -k "hdr13=$(headers $b)" -k "hdr12=$(headers $a)" -k "tree13=$(tree $b)" \
	-- "hdr13=$(headers $b)" "hdr12=$(headers $a)" "tree13=$(headers $b)"
compare "6.12.107-modules" "$dir/plain/$c" -k "hdr107=$(headers $c)" -k "hdr117=$(headers $d)" -k "tree107=$(tree $c)" -k "img107=$(image $c)" \
	-- "hdr107=$(headers $c)" "hdr117=$(headers $d)" "tree107=$(headers $c)" "img107=$(headers $c),image"

# A proprietary copy of every GPL v2 / GPL network driver of 7.2.12 (same length: every offset stays).
mkdir -p "$work/proprietary"
find "$dir/plain/$a/drivers/net" -name '*.ko' | while read -r f; do
	python3 - "$f" "$work/proprietary/$(basename "$f")" <<'EOF'
import sys
data = open(sys.argv[1], 'rb').read()
for license in (b'license=GPL v2\0', b'license=GPL\0'):
    if data.count(license) == 1:
        open(sys.argv[2], 'wb').write(data.replace(license, b'license=XYZ' + b'\0' * (len(license) - 11)))
        break
EOF
done
compare "7.2.12-proprietary" "$work/proprietary" -k "img12=$(image $a)" -k "hdr12=$(headers $a)" -- "img12=$(headers $a),image" "hdr12=$(headers $a)"

echo "== plan across two 7.x releases (each release its own ABI: 2 builds)"
node build/bin/kmodx.cjs plan "$dir/plain/$a/drivers/net/ethernet/intel/e1000e/e1000e.ko" -k "$(headers $a)" -k "$(headers $b)" --json > "$work/plan.json" || true
node -e 'const p = require(process.argv[1]); console.log(`builds ${p.summary.builds}, one_binary ${p.one_binary}: ${p.verdict}`); process.exit(p.summary.builds === 2 && !p.one_binary ? 0 : 1)' "$work/plan.json" || status=1

echo "== Module.symvers against the image of the same build (no change expected)"
node build/bin/kmodx.cjs -k "sym=$(headers $a)/Module.symvers" -k "img=$(image $a)" --json > "$work/diff.json" || [ $? -le 3 ]
node -e 'const d = require(process.argv[1]); const s = d.summary; console.log(JSON.stringify(s)); process.exit(s.added + s.removed + s.crc + s.export_type + s.namespace + s.module === 0 ? 0 : 1)' "$work/diff.json" || status=1
exit $status
