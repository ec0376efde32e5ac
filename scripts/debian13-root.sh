#!/usr/bin/env bash
# A Debian 13 (trixie) root in which `kmodx why --types` gives exact answers for Debian 13's 6.12
# kernels from a Debian 12 (or any Debian/Ubuntu) machine: 6.12's headers packages are configured
# for gcc-14, which Debian 12 lacks. The root holds what a Debian 13 machine itself needs for it
# (gcc-14, make, the kernels' linux-headers-* with their linux-kbuild-*), Node.js for kmodx, this
# kmodx's build in /opt/kmodx (started as `kmodx`), and each kernel's linux-source-6.12 tarball
# in /var/tmp/kmodx-source/linux-source-<version>.tar.xz (one version of the package can be
# installed at a time, and the tests need two).
#
# Usage (as root): scripts/debian13-root.sh [ROOT] [RELEASE…]
#   ROOT     default $KMODX_DEBIAN13_ROOT or /var/tmp/deb13-root
#   RELEASE  default 6.12.107+deb13-amd64 6.12.117+deb13-amd64 (the pair the tests compare)
# Then: chroot ROOT kmodx why SYMBOL -k 107=/usr/src/linux-headers-6.12.107+deb13-amd64 …
# Run again to add releases or to refresh /opt/kmodx after `npm run build`.
# It needs debootstrap (apt-get install debootstrap) and deb.debian.org; nothing is added to this
# machine's own apt sources. About 1.5 GB (the headers pull in the image packages; 300 MB are the
# two source tarballs); 15 minutes on a busy 2-core machine, most of it unpacking.
set -euo pipefail
cd "$(dirname "$0")/.."
root="${1:-${KMODX_DEBIAN13_ROOT:-/var/tmp/deb13-root}}"
shift || true
releases=("$@")
[ ${#releases[@]} -gt 0 ] || releases=(6.12.107+deb13-amd64 6.12.117+deb13-amd64)
mirror="${KMODX_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
die() { echo "debian13-root: $*" >&2; exit 2; }
[ "$(id -u)" = 0 ] || die "needs root (debootstrap and chroot)"
command -v debootstrap >/dev/null || die "debootstrap is not installed (apt-get install debootstrap)"
for release in "${releases[@]}"; do
	[[ "$release" =~ ^[0-9]+\.[0-9]+\.[0-9]+\+deb[0-9]+-[a-z0-9-]+$ ]] || die "$release: not a Debian kernel release such as 6.12.117+deb13-amd64"
done
[ -f build/bin/kmodx.cjs ] || die "build/bin/kmodx.cjs is missing (npm run build)"

headers=("${releases[@]/#/linux-headers-}")
if [ ! -x "$root/usr/bin/apt-get" ]; then
	mkdir -p "$root"
	debootstrap --variant=minbase --include=gcc-14,make,libc6-dev,xz-utils,nodejs trixie "$root" "$mirror"
fi
# INITRD=No: the headers need the image package, whose initramfs nobody boots here.
in_root() { chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C DEBIAN_FRONTEND=noninteractive INITRD=No "$@"; }
in_root apt-get update -qq
# linux-headers-<release> brings its -common part and linux-kbuild-<version>.
in_root apt-get install -y -qq --no-install-recommends "${headers[@]}" >/dev/null

# Each kernel's source: the linux-source-6.12 version its headers package has.
mkdir -p "$root/var/tmp/kmodx-source"
for release in "${releases[@]}"; do
	version=$(in_root dpkg-query -W -f='${Version}' "linux-headers-$release")
	series=$(cut -d. -f1,2 <<<"$release")
	tarball="$root/var/tmp/kmodx-source/linux-source-$version.tar.xz"
	[ -f "$tarball" ] && continue
	work=$(mktemp -d "$root/var/tmp/source.XXXXXX")
	# apt-get download writes to the current directory; the names are arguments, not shell text.
	in_root sh -c 'cd "$1" && shift && exec "$@"' sh "/var/tmp/$(basename "$work")" apt-get download -qq -o APT::Sandbox::User=root "linux-source-$series=$version" \
		|| { rm -rf "$work"; die "linux-source-$series $version is not in the archive any more (snapshot.debian.org has it)"; }
	dpkg-deb --fsys-tarfile "$work"/linux-source-*.deb | tar -x -C "$work" "./usr/src/linux-source-$series.tar.xz"
	mv "$work/usr/src/linux-source-$series.tar.xz" "$tarball"
	rm -rf "$work"
done

# This kmodx, started as `kmodx` inside the root.
rm -rf "$root/opt/kmodx"
mkdir -p "$root/opt/kmodx"
cp -r build/bin "$root/opt/kmodx/bin"
# kmodx --version reads it, as from an npm installation.
cp package.json "$root/opt/kmodx/"
[ -d build/man ] && cp -r build/man "$root/opt/kmodx/man"
printf '#!/bin/sh\nexec node /opt/kmodx/bin/kmodx.cjs "$@"\n' > "$root/usr/local/bin/kmodx"
chmod 755 "$root/usr/local/bin/kmodx"

echo "debian13-root: $root ready: gcc-14 $(in_root dpkg-query -W -f='${Version}' gcc-14), node $(in_root node --version)"
for release in "${releases[@]}"; do
	echo "  -k X=/usr/src/linux-headers-$release --types X=/var/tmp/kmodx-source/linux-source-$(in_root dpkg-query -W -f='${Version}' "linux-headers-$release").tar.xz"
done
