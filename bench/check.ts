import {readFileSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {gunzipSync} from 'node:zlib';
import {fixture, cliPath} from '../test/helpers/paths.js';
import {atExit, temporaryDirectory} from '../test/helpers/derive.js';
import {measureTogether, table, type Measurement} from './measure.js';

/**
Issue "kmodx core": check mode for my_drv against 5 Module.symvers kernels (some gzip'd),
next to the shell baseline a developer would run by hand: modprobe --dump-modversions
joined with each Module.symvers.
*/
export function benchCheck(runs: number): {rows: Measurement[]; ratio: number} {
	const directory = temporaryDirectory(atExit, 'bench');
	const plain = (release: string) => {
		const file = path.join(directory, `${release}.Module.symvers`);
		writeFileSync(file, gunzipSync(readFileSync(fixture('kernels', release, 'Module.symvers.gz'))));
		return file;
	};

	const kernels = [
		plain('6.1.0-47-amd64'),
		fixture('kernels/6.1.0-50-amd64/Module.symvers.gz'),
		plain('6.1.0-56-amd64'),
		fixture('kernels/6.1.0-47-amd64/Module.symvers.gz'),
		fixture('kernels/6.1.0-56-amd64/Module.symvers.gz'),
	];
	const module = fixture('modules/my_drv-6.1.0-47-amd64.ko');
	const baseline = path.join(directory, 'baseline.sh');
	writeFileSync(baseline, `#!/bin/bash
# By hand: the module's CRCs, then each kernel's line for every symbol, compared.
module="$1"; shift
modprobe --dump-modversions "$module" > "$0.versions"
for kernel in "$@"; do
	echo "== $kernel"
	zcat -f "$kernel" | awk -F'\\t' 'NR == FNR { crc[$2] = $1; next }
		($2 in crc) { seen[$2] = 1; if (crc[$2] != $1) print "CRC mismatch", $2, crc[$2], $1 }
		END { for (s in crc) if (!(s in seen)) print "missing", s }' "$0.versions" -
done
`);
	const kernelArgs = kernels.flatMap((file, index) => ['-k', `k${index}=${file}`]);
	const command = [process.execPath, cliPath, 'check', module, ...kernelArgs, '--json'];
	const rows = measureTogether([
		{label: 'kmodx check my_drv.ko, 5 kernels (--json), parsed-kernel cache warm', command},
		{label: 'shell baseline: modprobe --dump-modversions + awk join', command: ['bash', baseline, module, ...kernels], env: {LC_ALL: 'C', PATH: `${process.env['PATH'] ?? ''}:/usr/sbin:/sbin`}},
		{label: 'node -e 0 (Node start-up alone)', command: [process.execPath, '-e', '0']},
		{label: 'kmodx check, same, no cache (KMODX_NO_CACHE=1)', command, env: {KMODX_NO_CACHE: '1'}},
	], runs);
	return {rows, ratio: rows[0]!.medianSeconds / rows[1]!.medianSeconds};
}

export function reportCheck(runs: number): string {
	const {rows, ratio} = benchCheck(runs);
	return `### check: 1 module × 5 Module.symvers kernels (2 plain, 3 gzip'd)\n\n${table(rows)}\n\nkmodx (warm) / baseline: ${ratio.toFixed(2)}× (target ≤ 2×); cold: ${(rows[3]!.medianSeconds / rows[1]!.medianSeconds).toFixed(2)}×\n`;
}
