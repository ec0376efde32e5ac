#!/bin/bash
# The independent reference (and the shell baseline of bench/scale.ts): every module's
# `modprobe --dump-modversions`, joined with each kernel's Module.symvers by one awk pass.
# Usage: scale-reference.sh MODULES_DIR LABEL=Module.symvers[.gz]…
# With KMODX_REFERENCE_VERSIONS=FILE it also keeps the "path<TAB>crc<TAB>symbol" table there.
# Prints "path<TAB>label<TAB>ok" or "path<TAB>label<TAB>crc|missing<TAB>symbol" lines.
set -euo pipefail
export LC_ALL=C
modules="$1"; shift
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# One line per __versions entry: path, crc, symbol; then "path - -" closing each module.
# One process per module (modprobe itself): the leanest shell version of the job.
find "$modules" -name '*.ko' -print0 | sort -z | while IFS= read -r -d '' module; do
	printf '==\t%s\n' "$module"
	/usr/sbin/modprobe --dump-modversions "$module"
done | awk -F'\t' '
	$1 == "==" { if (m != "") print m "\t-\t-"; m = $2; next }
	{ print m "\t" $1 "\t" $2 }
	END { if (m != "") print m "\t-\t-" }' > "$work/versions"
# The joined table itself, for the ABI groups and plans of scale-test.sh.
if [ -n "${KMODX_REFERENCE_VERSIONS:-}" ]; then cp "$work/versions" "$KMODX_REFERENCE_VERSIONS"; fi
for spec in "$@"; do
	label="${spec%%=*}"; file="${spec#*=}"
	zcat -f "$file" | awk -F'\t' -v label="$label" '
		NR == FNR { crc[$2] = $1; next }
		$2 == "-" { if (!($1 in bad)) print $1 "\t" label "\tok"; next }
		!($3 in crc) { bad[$1] = 1; print $1 "\t" label "\tmissing\t" $3; next }
		crc[$3] != $2 { bad[$1] = 1; print $1 "\t" label "\tcrc\t" $3 }
	' - "$work/versions"
done
