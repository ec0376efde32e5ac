import {existsSync} from 'node:fs';
import path from 'node:path';
import {cliPath, fixture, repoRoot} from '../test/helpers/paths.js';
import {measureTogether, table, type Measurement} from './measure.js';

/** Where scripts/scale-test.sh --download unpacks linux-image-6.1.0-47-amd64-unsigned. */
export const scaleTree = path.join(process.env['KMODX_SCALE_DIR'] ?? '/tmp/kmodx-scale', 'tree/lib/modules/6.1.0-47-amd64');

/**
Issue 6: the 4,022 modules of Debian 6.1.0-47 × the three amd64 kernels of test/fixtures, as the
default matrix and as kmodx.check/1 JSON, next to the shell baseline measured in the same run
(scripts/scale-reference.sh: modprobe --dump-modversions per module, joined with each
Module.symvers by awk — the batch form, much faster than one awk per module and kernel).
*/
export function benchScale(runs: number): {rows: Measurement[]; ratio: number} | undefined {
	if (!existsSync(scaleTree)) {
		return undefined;
	}

	const symvers = (release: string) => fixture('kernels', release, 'Module.symvers.gz');
	const kernels = [`47=${symvers('6.1.0-47-amd64')}`, `50=${symvers('6.1.0-50-amd64')}`, `56=${symvers('6.1.0-56-amd64')}`];
	const kmodx = [process.execPath, cliPath, 'check', scaleTree, ...kernels.flatMap(kernel => ['-k', kernel])];
	// Output to /dev/null through bash's exec: GNU time still measures node itself.
	const quiet = (command: string[]) => ['bash', '-c', 'exec "$@" > /dev/null', 'bash', ...command];
	// Round-robin (matrix, JSON, workers, baseline, matrix, …) like the check bench: this VM's speed
	// drifts within a minute, and a ratio of two medians taken minutes apart would carry the drift.
	const rows = measureTogether([
		{label: 'kmodx check DIR, 3 kernels (matrix; one thread checks, one reads ahead)', command: quiet(kmodx)},
		{label: 'kmodx check DIR, 3 kernels --json (143 MB)', command: quiet([...kmodx, '--json'])},
		{label: 'kmodx, same matrix, 2 worker threads (KMODX_WORKERS=2)', command: quiet(kmodx), env: {KMODX_WORKERS: '2'}},
		{label: 'kmodx, same matrix, no prefetch thread (KMODX_PREFETCH=0)', command: quiet(kmodx), env: {KMODX_PREFETCH: '0'}},
		{label: 'shell baseline: modprobe --dump-modversions per module + awk join per kernel', command: quiet(['bash', path.join(repoRoot, 'scripts/scale-reference.sh'), scaleTree, ...kernels]), env: {PATH: `${process.env['PATH'] ?? ''}:/usr/sbin:/sbin`}},
	], runs);
	return {rows, ratio: rows.at(-1)!.medianSeconds / rows[0]!.medianSeconds};
}

export function reportScale(runs: number): string {
	const result = benchScale(Math.min(runs, 5));
	if (!result) {
		return `### scale: skipped\n\n${scaleTree} is missing: run \`scripts/scale-test.sh --download\` first.\n`;
	}

	const {rows, ratio} = result;
	return `### scale: 4,022 modules (linux-image-6.1.0-47-amd64-unsigned) × 3 Module.symvers kernels\n\n${table(rows)}\n\nbaseline / kmodx (matrix): ${ratio.toFixed(1)}× (target ≥ 10×); targets ≤ 5 s wall, ≤ 400 MB peak\n`;
}
