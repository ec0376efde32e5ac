import {spawnSync} from 'node:child_process';
import {existsSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {atExit, temporaryDirectory} from '../test/helpers/derive.js';
import {cliPath} from '../test/helpers/paths.js';
import {corpus} from '../test/helpers/paths.js';
import {measure, measureTogether, table} from './measure.js';

/**
Issue "kABI review": the whole Debian 6.1.0-47 → 56 kernel diff (24,702 exports, 18,254 CRC
changes) grouped by cause from both images' BTF, against the same diff without type information
and against the diff with the BTF loaded but not grouped (the images' BTF is cached either way).
*/
export function reportGroup(runs: number): string {
	const kernel = (release: string, file: string) => corpus('kernels', `debian-6.1.0-${release}-amd64`, file);
	if (!existsSync(kernel('47', 'vmlinuz'))) {
		return '### kernel diff grouped by cause: skipped (the shared corpus is missing)\n';
	}

	const diff = [process.execPath, cliPath, '-k', `47=${kernel('47', 'Module.symvers')}`, '-k', `56=${kernel('56', 'Module.symvers')}`, '--json'];
	const types = ['--types', `47=${kernel('47', 'vmlinuz')}`, '--types', `56=${kernel('56', 'vmlinuz')}`];
	const quiet = (command: string[]) => ['bash', '-c', 'exec "$@" > /dev/null', 'bash', ...command];
	const rows = measureTogether([
		{label: 'kmodx -k 47 -k 56 --json (Module.symvers, no type information)', command: quiet(diff)},
		{label: 'same + --types 47=vmlinuz --types 56=vmlinuz: grouped by cause from BTF (images\' BTF cached)', command: quiet([...diff, ...types])},
	], runs);
	return `### kernel diff grouped by cause, Debian 6.1.0-47 → 6.1.0-56 (18,254 CRC changes)\n\n${table(rows)}\n\nTarget: grouped from BTF in a few seconds.\n\n${reportTree(Math.min(runs, 3))}\n${reportGenuineTrees(Math.min(runs, 5))}`;
}

/**
Issue 24: genuine symtypes trees of a few hundred units per kernel (scripts/make-symtypes-trees.sh),
grouped by kmodx and compared by SUSE's `ksymtypes compare` (KSYMTYPES=path) with one and two
threads, in the same run.
*/
function reportGenuineTrees(runs: number): string {
	const trees = process.env['KMODX_SYMTYPES_TREES'] ?? '/var/tmp/symtypes-trees';
	const ksymtypes = process.env['KSYMTYPES'];
	if (!existsSync(path.join(trees, 'files.txt'))) {
		return `### genuine symtypes trees, grouped: skipped (no ${trees}; scripts/make-symtypes-trees.sh)\n`;
	}

	const script = fileURLToPath(new URL('symtypes-trees-compare.js', import.meta.url));
	const [before, after] = [path.join(trees, '47'), path.join(trees, '56')];
	const quiet = (command: string[]) => ['bash', '-c', 'exec "$@" > /dev/null', 'bash', ...command];
	const commands = [
		{label: 'kmodx: load both trees, group the changed exports by cause', command: quiet([process.execPath, script, 'group', before, after])},
		...(ksymtypes ? [1, 2].map(jobs => ({label: `ksymtypes compare -j${jobs}`, command: quiet([ksymtypes, 'compare', `-j${jobs}`, before, after])})) : []),
	];
	const units = readFileSync(path.join(trees, 'files.txt'), 'utf8').split('\n').filter(Boolean).length;
	return `### genuine symtypes trees (${units} units per kernel), grouped by cause\n\n${table(measureTogether(commands, runs))}\n${ksymtypes ? '' : '\n(set KSYMTYPES to SUSE\'s ksymtypes to measure it beside)\n'}`;
}

/** Two symtypes trees of 20,000 files each (made from the real version.symtypes of each kernel), loaded and grouped. */
function reportTree(runs: number): string {
	const files = Number(process.env['KMODX_BENCH_TREE_FILES'] ?? 20_000);
	const directory = temporaryDirectory(atExit, 'bench-tree');
	const script = fileURLToPath(new URL('group-symtypes-tree.js', import.meta.url));
	spawnSync(process.execPath, [script, 'make', directory, String(files)], {stdio: 'inherit'});
	const rows = [measure(`load two symtypes trees of ${files.toLocaleString('en-US')} files each and group ${files.toLocaleString('en-US')} changed exports`, [process.execPath, script, 'group', directory, String(files)], runs)];
	return `### a symtypes tree of a full build, grouped\n\n${table(rows)}\n\nTarget: well under a minute for tens of thousands of files.\n`;
}
