import {existsSync, mkdtempSync, rmSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {cliPath, fixture, repoRoot} from '../test/helpers/paths.js';
import {atExit, temporaryDirectory} from '../test/helpers/derive.js';
import {measureTogether, table, type Measurement} from './measure.js';

/** Where scripts/scale-test.sh --download unpacks linux-image-6.1.0-47-amd64-unsigned. */
export const scaleRoot = path.join(process.env['KMODX_SCALE_DIR'] ?? '/var/tmp/kmodx-scale', 'tree');
export const scaleTree = path.join(scaleRoot, 'lib/modules/6.1.0-47-amd64');

/**
Issue 6: the 4,022 modules of Debian 6.1.0-47 × the three amd64 kernels of test/fixtures, as the
default matrix and as kmodx.check/1 JSON, next to the shell baseline measured in the same run
(scripts/scale-reference.sh: modprobe --dump-modversions per module, joined with each
Module.symvers by awk — the batch form, much faster than one awk per module and kernel).
Issue 12: the JSON report's peak memory with stdout a pipe, a file, and -o.
*/
export function benchScale(runs: number): {rows: Measurement[]; ratio: number; jsonRatio: number} | undefined {
	if (!existsSync(scaleTree)) {
		return undefined;
	}

	const symvers = (release: string) => fixture('kernels', release, 'Module.symvers.gz');
	const kernels = [`47=${symvers('6.1.0-47-amd64')}`, `50=${symvers('6.1.0-50-amd64')}`, `56=${symvers('6.1.0-56-amd64')}`];
	const kmodx = [process.execPath, cliPath, 'check', scaleTree, ...kernels.flatMap(kernel => ['-k', kernel])];
	// GNU time measures the whole command: bash's exec keeps node itself measured; in a pipeline
	// bash waits for node and cat, and the peak is node's.
	const quote = (words: string[]) => words.map(word => `'${word.replaceAll('\'', '\'\\\'\'')}'`).join(' ');
	const quiet = (command: string[]) => ['bash', '-c', 'exec "$@" > /dev/null', 'bash', ...command];
	const output = temporaryDirectory(atExit, 'bench-scale');
	const toFile = (command: string[]) => ['bash', '-c', `exec ${quote(command)} > ${quote([path.join(output, 'report.json')])}`];
	const piped = (command: string[]) => ['bash', '-c', `${quote(command)} | cat > /dev/null`];
	const written = path.join(output, 'written.json');
	const withOutput = (command: string[]) => ['bash', '-c', `rm -f ${quote([written])}; exec ${quote([...command, '-o', written])}`];
	// Round-robin (matrix, JSON, …, baseline, matrix, …) like the check bench: this VM's speed
	// drifts within a minute, and a ratio of two medians taken minutes apart would carry the drift.
	const rows = measureTogether([
		{label: 'kmodx check DIR, 3 kernels (matrix; one thread checks, one reads ahead)', command: quiet(kmodx)},
		{label: 'kmodx check DIR, 3 kernels --json (92 MB), stdout a pipe (`| cat`)', command: piped([...kmodx, '--json'])},
		{label: 'kmodx, same --json, stdout a file', command: toFile([...kmodx, '--json'])},
		{label: 'kmodx, same --json -o FILE', command: withOutput([...kmodx, '--json'])},
		{label: 'kmodx, same --json to a pipe, 2 worker threads (KMODX_WORKERS=2)', command: piped([...kmodx, '--json']), env: {KMODX_WORKERS: '2'}},
		{label: 'kmodx, same matrix, 2 worker threads (KMODX_WORKERS=2)', command: quiet(kmodx), env: {KMODX_WORKERS: '2'}},
		{label: 'kmodx, same matrix, no prefetch thread (KMODX_PREFETCH=0)', command: quiet(kmodx), env: {KMODX_PREFETCH: '0'}},
		{
			label: 'shell baseline: modprobe --dump-modversions per module + awk join per kernel',
			command: quiet(['bash', path.join(repoRoot, 'scripts/scale-reference.sh'), scaleTree, ...kernels]),
			env: {PATH: `${process.env['PATH'] ?? ''}:/usr/sbin:/sbin`},
		},
	], runs);
	const baseline = rows.at(-1)!.medianSeconds;
	return {rows, ratio: baseline / rows[0]!.medianSeconds, jsonRatio: baseline / rows[1]!.medianSeconds};
}

/**
Issue 12: an installed kernel (the unpacked linux-image-6.1.0-47-amd64-unsigned: its vmlinuz and
4,022 modules) read as a kernel source, cold (no cache: the image decompressed, every module's
export tables read) and warm (the tree's cached table, checked against the identity of every
file), next to the same check against the kernel's Module.symvers (warm).
*/
export function benchInstalled(runs: number): Measurement[] | undefined {
	if (!existsSync(scaleTree)) {
		return undefined;
	}

	const module = fixture('dkms/6.1.0-47-amd64/v4l2loopback.ko');
	const check = (kernel: string) => ['bash', '-c', 'exec "$@" > /dev/null', 'bash', process.execPath, cliPath, 'check', module, '-k', kernel];
	const cache = mkdtempSync(path.join(os.tmpdir(), 'kmodx-bench-cache-'));
	atExit.teardown(() => {
		rmSync(cache, {recursive: true, force: true});
	});
	const rows = [
		{label: 'kmodx check v4l2loopback.ko -k /lib/modules/6.1.0-47-amd64 (4,022 .ko), cold: no cache', command: check(scaleTree), env: {KMODX_NO_CACHE: '1'}},
		{label: 'same, warm: the tree\'s cached table (every file stat\'ed)', command: check(scaleTree), env: {KMODX_CACHE_DIR: cache}},
		{label: 'same module -k the kernel\'s Module.symvers.gz, warm', command: check(fixture('kernels/6.1.0-47-amd64/Module.symvers.gz')), env: {KMODX_CACHE_DIR: cache}},
	];
	const xzTree = process.env['KMODX_XZ_TREE'];
	if (xzTree && existsSync(xzTree)) {
		rows.push({label: `same, the tree with every module .ko.xz (${xzTree}), cold`, command: check(xzTree), env: {KMODX_NO_CACHE: '1'}});
	}

	return measureTogether(rows, runs);
}

export function reportScale(runs: number): string {
	const result = benchScale(Math.min(runs, 5));
	if (!result) {
		return `### scale: skipped\n\n${scaleTree} is missing: run \`scripts/scale-test.sh --download\` first.\n`;
	}

	const {rows, ratio, jsonRatio} = result;
	const installed = benchInstalled(Math.min(runs, 5))!;
	return `### scale: 4,022 modules (linux-image-6.1.0-47-amd64-unsigned) × 3 Module.symvers kernels\n\n${table(rows)}\n\n`
		+ `baseline / kmodx (matrix): ${ratio.toFixed(1)}× (target ≥ 10×); baseline / kmodx --json (pipe): ${jsonRatio.toFixed(1)}× (target ≥ 5×); targets ≤ 5 s wall, ≤ 400 MB peak\n\n`
		+ `### installed kernel: linux-image-6.1.0-47-amd64-unsigned unpacked\n\n${table(installed)}\n`;
}
