#!/bin/bash
# Scale test of issue 6 (not part of `npm test`): kmodx over the 4,022 modules of Debian's
# linux-image-6.1.0-47-amd64-unsigned against the three amd64 kernels of test/fixtures, every
# verdict compared with the reference (scripts/scale-reference.sh: modprobe --dump-modversions
# joined with each Module.symvers), weak-modules 47 → 56, the matrix, every module's ABI groups and
# the plans of a sample of modules compared with it too.
# Usage: scripts/scale-test.sh [--download]   (the package is cached in $KMODX_SCALE_DIR, default /var/tmp/kmodx-scale)
set -euo pipefail
cd "$(dirname "$0")/.."
cache="${KMODX_SCALE_DIR:-/var/tmp/kmodx-scale}"
tree="$cache/tree/lib/modules/6.1.0-47-amd64"
if [ ! -d "$tree" ]; then
	if [ "${1:-}" != "--download" ]; then
		echo "scale-test: $tree is missing; run 'scripts/scale-test.sh --download' (fetches linux-image-6.1.0-47-amd64-unsigned, 70 MB)" >&2
		exit 2
	fi
	mkdir -p "$cache"
	(cd "$cache" && apt-get download linux-image-6.1.0-47-amd64-unsigned && dpkg-deb -x linux-image-6.1.0-47-amd64-unsigned_*.deb tree)
fi
count=$(find "$tree" -name '*.ko' | wc -l)
echo "modules: $count"
npm run build
fixtures=test/fixtures/kernels
kernels=(47="$fixtures/6.1.0-47-amd64/Module.symvers.gz" 50="$fixtures/6.1.0-50-amd64/Module.symvers.gz" 56="$fixtures/6.1.0-56-amd64/Module.symvers.gz")
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
start=$(date +%s.%N)
status=0
node build/bin/kmodx.cjs check "$tree" "${kernels[@]/#/-k}" --json > "$out/report.json" || status=$?
echo "kmodx check --json: $(echo "$(date +%s.%N) - $start" | bc) s, exit $status"
[ "$status" -le 1 ] || exit 1
node build/bin/kmodx.cjs check "$tree" "${kernels[@]/#/-k}" --format markdown > "$out/matrix.md" || [ $? -eq 1 ]
node build/bin/kmodx.cjs weak-modules "$tree" --from "${kernels[0]}" --to "${kernels[2]}" --json > "$out/weak.json" || [ $? -eq 1 ]
start=$(date +%s.%N)
KMODX_REFERENCE_VERSIONS="$out/versions.tsv" scripts/scale-reference.sh "$tree" "${kernels[@]}" > "$out/reference.tsv"
echo "reference (modprobe --dump-modversions + awk): $(echo "$(date +%s.%N) - $start" | bc) s"
# Plans of every 40th module, on the three kernels and 47 once more (so that two kernels share a group).
mkdir "$out/plans"
find "$tree" -name '*.ko' | sort | awk 'NR % 40 == 1' | while read -r module; do
	node build/bin/kmodx.cjs plan "$module" "${kernels[@]/#/-k}" -k "47b=$fixtures/6.1.0-47-amd64/Module.symvers.gz" --json > "$out/plans/$(basename "$module").json" || [ $? -eq 1 ]
done
node build/bench/scale-compare.js "$out/report.json" "$out/reference.tsv" 47 "$out/weak.json" "$out/matrix.md" \
	--versions "$out/versions.tsv" --plans "$out/plans" "${kernels[@]/#/--kernel=}" --kernel="47b=$fixtures/6.1.0-47-amd64/Module.symvers.gz"
