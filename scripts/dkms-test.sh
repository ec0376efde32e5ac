#!/bin/bash
# Issue 12 (not part of `npm test`): real DKMS packages of other projects (v4l2loopback,
# acpi-call, tp-smapi, vpoll, xtables-addons, lttng-modules), built here against Debian's
# linux-headers-6.1.0-47-amd64 and -56-amd64, checked by kmodx against the installed 6.1.0-47
# (linux-image-6.1.0-47-amd64-unsigned unpacked: scripts/scale-test.sh --download), the headers
# of 47 and 56, and 47's image; every verdict compared with modprobe --dump-modversions joined
# with the kernel's and the packages' own Module.symvers (bench/dkms-compare.ts).
# Usage: scripts/dkms-test.sh [--download]   (cached in $KMODX_DKMS_DIR, default /tmp/kmodx-dkms)
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"
cache="${KMODX_DKMS_DIR:-/tmp/kmodx-dkms}"
tree="${KMODX_SCALE_DIR:-/var/tmp/kmodx-scale}/tree/lib/modules/6.1.0-47-amd64"
packages=(v4l2loopback-dkms acpi-call-dkms tp-smapi-dkms vpoll-dkms xtables-addons-dkms lttng-modules-dkms)
releases=(6.1.0-47-amd64 6.1.0-56-amd64)
for release in "${releases[@]}"; do
	[ -f "/usr/src/linux-headers-$release/Module.symvers" ] || { echo "dkms-test: linux-headers-$release is not installed" >&2; exit 2; }
done
if [ ! -d "$cache/src" ]; then
	if [ "${1:-}" != "--download" ]; then
		echo "dkms-test: $cache/src is missing; run 'scripts/dkms-test.sh --download' (apt-get download ${packages[*]})" >&2
		exit 2
	fi
	mkdir -p "$cache"
	(cd "$cache" && apt-get download "${packages[@]}" && for deb in *.deb; do dpkg-deb -x "$deb" src; done)
fi
for release in "${releases[@]}"; do
	headers="/usr/src/linux-headers-$release"
	out="$cache/modules-$release"
	[ -d "$out" ] && continue
	mkdir -p "$out" "$cache/symvers-$release"
	for source in "$cache"/src/usr/src/*; do
		name="$(basename "$source")"
		build="$cache/build/$release/$name"
		rm -rf "$build"; mkdir -p "$(dirname "$build")"; cp -a "$source" "$build"
		# As each package's dkms.conf builds it; make -k keeps what builds (lttng-modules 2.13.9 fails in part on 56).
		case "$name" in
			v4l2loopback*) (cd "$build" && make -k KERNEL_DIR="$headers" all) ;;
			lttng*) make -k -C "$headers" M="$build" modules CONFIG_LTTNG=m CONFIG_LTTNG_CLOCK_PLUGIN_TEST=m -j2 ;;
			tp_smapi*) make -k -C "$headers" M="$build" HDAPS=1 ;;
			xtables*) make -k -C "$headers" M="$build/extensions" XA_ABSTOPSRCDIR="$build" XA_TOPSRCDIR="$build" modules -j2 ;;
			*) make -k -C "$headers" M="$build" ;;
		esac > "$build.log" 2>&1 || true
		find "$build" -name '*.ko' -exec cp {} "$out/" \;
		find "$build" -name Module.symvers -size +0 | while read -r symvers; do cp "$symvers" "$cache/symvers-$release/$name-$(echo "$symvers" | md5sum | cut -c1-8).symvers"; done
	done
done
npm run build > /dev/null
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
status=0
for release in "${releases[@]}"; do
	dir="$cache/modules-$release"
	echo "$release: $(ls "$dir" | wc -l) modules"
	kernels=(-k "hdr47=/usr/src/linux-headers-6.1.0-47-amd64" -k "sym56=/usr/src/linux-headers-6.1.0-56-amd64/Module.symvers" -k "rel56=6.1.0-56-amd64")
	refs=("hdr47=/usr/src/linux-headers-6.1.0-47-amd64/Module.symvers" "sym56=/usr/src/linux-headers-6.1.0-56-amd64/Module.symvers" "rel56=/usr/src/linux-headers-6.1.0-56-amd64/Module.symvers")
	if [ -d "$tree" ]; then
		kernels+=(-k "tree47=$tree")
		refs+=("tree47=/usr/src/linux-headers-6.1.0-47-amd64/Module.symvers")
		kernels+=(-k "img47=$(dirname "$(dirname "$(dirname "$tree")")")/boot/vmlinuz-6.1.0-47-amd64")
	else
		echo "dkms-test: $tree is missing (scripts/scale-test.sh --download): no installed kernel, no image" >&2
	fi
	node build/bin/kmodx.cjs check "$dir" "${kernels[@]}" --json > "$work/$release.json" || [ $? -le 3 ]
	images=()
	[ -d "$tree" ] && images=(--image "img47=/usr/src/linux-headers-6.1.0-47-amd64/Module.symvers")
	node build/bench/dkms-compare.js "$work/$release.json" "${refs[@]}" "${images[@]}" --own "$cache/symvers-$release"/*.symvers || status=1
done
exit $status
