#!/usr/bin/env bash
# npm run corpus [-- DIR]: builds the corpus of real Debian kernel files that the tests on whole
# kernel images read (test/helpers/oracles.ts, needs('corpus')), in the layout of ../shared/corpus,
# from the public Debian 12 packages below, at exact versions, each .deb checked against the SHA-256
# recorded here. DIR defaults to ../shared/corpus, where the tests look; elsewhere, point
# KMODX_CORPUS to it. About 285 MB of downloads, one to four minutes; the folder holds 21 MB.
set -euo pipefail
cd "$(dirname "$0")/.."

target="${1:-../shared/corpus}"
if [ -e "$target" ] && [ -n "$(ls -A "$target" 2>/dev/null)" ]; then
	echo "corpus: $target already exists; give an empty or new folder: npm run corpus -- DIR" >&2
	exit 2
fi
for tool in apt-get dpkg-deb sha256sum gzip; do
	command -v "$tool" >/dev/null || { echo "corpus: needs $tool (Debian or Ubuntu)" >&2; exit 2; }
done

# package version sha256-of-the-.deb (recorded from the files downloaded on 2026-12-07; apt checks
# the archive's signed index too, this pins the very bytes the tests were written against).
packages=(
	"linux-image-6.1.0-47-amd64-unsigned 6.1.170-3 cb9a263a6d0d2debe8ac20eadc1065ffb8b22d27f4a6471ac1c0314db341dfb0"
	"linux-image-6.1.0-56-amd64-unsigned 6.1.192-2 530631662c9ad84758eca2d7609cf40623309afd4bccbeb563f33e9c7f220bdf"
	"linux-image-6.1.0-47-amd64 6.1.170-3 e0061f95dbe31f5646e5a29ba9a62293f6b625a70e81fc2b04344d8ab7589c34"
	"linux-image-6.1.0-56-amd64 6.1.192-2 a86e2049672f52354c4536a089203b6c82639420424d31c91cf31a181fd4d8f1"
	"linux-headers-6.1.0-47-amd64 6.1.170-3 2a40c463e108b1ea3abf2e16e38eb9e27b237693b974b862adde73873c7d85c1"
	"linux-headers-6.1.0-50-amd64 6.1.176-1 91a7929ce639f4199e9ff7f929236cdfdcb5511dba613af5094369e95ca241da"
	"linux-headers-6.1.0-56-amd64 6.1.192-2 796a7b4584d7a57f97913e34e80a2fcce96b6c5016fa9d4fc2212a93e4868677"
)

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# apt's download user (_apt) must be able to write there.
chmod 755 "$work"
mkdir -m 777 "$work/debs"
names=()
for entry in "${packages[@]}"; do
	read -r name version _ <<<"$entry"
	names+=("$name=$version")
done
echo "corpus: downloading ${#names[@]} packages (~285 MB)"
(cd "$work/debs" && apt-get download -qq "${names[@]}")
for entry in "${packages[@]}"; do
	read -r name version sha <<<"$entry"
	deb="$work/debs/${name}_${version}_amd64.deb"
	if ! echo "$sha  $deb" | sha256sum --check --quiet --status; then
		echo "corpus: ${name}_${version}_amd64.deb does not have the recorded SHA-256 $sha" >&2
		exit 1
	fi
	mkdir -p "$work/x/$name"
	dpkg-deb -x "$deb" "$work/x/$name"
done

out="$work/corpus"
from() { # package path-inside-it destination
	mkdir -p "$(dirname "$out/$3")"
	cp "$work/x/$1/$2" "$out/$3"
}
for pair in 47:6.1.170-3 56:6.1.192-2; do
	abi="6.1.0-${pair%%:*}-amd64"
	from "linux-image-$abi-unsigned" "boot/vmlinuz-$abi" "kernels/debian-$abi/vmlinuz"
	from "linux-image-$abi-unsigned" "boot/config-$abi" "kernels/debian-$abi/config"
	from "linux-headers-$abi" "usr/src/linux-headers-$abi/Module.symvers" "kernels/debian-$abi/Module.symvers"
done
# 6.1.0-50 gzip'd, as RHEL ships /boot/symvers-*.gz.
mkdir -p "$out/kernels/debian-6.1.0-50-amd64"
gzip -9n <"$work/x/linux-headers-6.1.0-50-amd64/usr/src/linux-headers-6.1.0-50-amd64/Module.symvers" >"$out/kernels/debian-6.1.0-50-amd64/Module.symvers.gz"
# Signed modules, from the signed image packages.
for module in drivers/usb/storage/usb-storage drivers/usb/storage/uas drivers/cxl/cxl_pci fs/nls/nls_utf8 drivers/net/dummy; do
	from linux-image-6.1.0-47-amd64 "lib/modules/6.1.0-47-amd64/kernel/$module.ko" "modules/debian-6.1.0-47-amd64/$(basename "$module").ko"
done
for module in drivers/usb/storage/usb-storage drivers/usb/storage/uas fs/nls/nls_utf8; do
	from linux-image-6.1.0-56-amd64 "lib/modules/6.1.0-56-amd64/kernel/$module.ko" "modules/debian-6.1.0-56-amd64/$(basename "$module").ko"
done

{
	echo "# Real kernel files for kmodx's tests"
	echo
	echo "Built by kmodx's \`scripts/make-corpus.sh\` (\`npm run corpus\`) from these Debian 12 packages, each .deb checked against its recorded SHA-256:"
	echo
	for entry in "${packages[@]}"; do
		read -r name version sha <<<"$entry"
		echo "- \`$name\` $version (\`$sha\`)"
	done
	echo
	echo "The layout of the shared corpus (its README describes the files): \`kernels/debian-<abi>/\` holds"
	echo "vmlinuz and config from linux-image-<abi>-unsigned and Module.symvers from linux-headers-<abi>"
	echo "(6.1.0-50: gzip'd); \`modules/debian-<abi>/\` signed modules from linux-image-<abi>. Not built"
	echo "here, because the tests take them from test/fixtures: the s390x and 686-pae files (other"
	echo "architectures' packages), modules/built (my_drv) and symtypes/."
	echo
	echo "| file | SHA-256 |"
	echo "|---|---|"
	(cd "$out" && find kernels modules -type f | sort | while read -r file; do
		echo "| $file | \`$(sha256sum "$file" | cut -d' ' -f1)\` |"
	done)
} >"$out/README.md"

mkdir -p "$(dirname "$target")"
rmdir "$target" 2>/dev/null || true
mv "$out" "$target"
echo "corpus: $(cd "$target" && pwd) ($(du -sh "$target" | cut -f1)); KMODX_CORPUS=$(cd "$target" && pwd) npm test uses it"
