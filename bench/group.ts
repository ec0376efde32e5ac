import {existsSync} from 'node:fs';
import {cliPath} from '../test/helpers/paths.js';
import {corpus} from '../test/helpers/paths.js';
import {measureTogether, table} from './measure.js';

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
	return `### kernel diff grouped by cause, Debian 6.1.0-47 → 6.1.0-56 (18,254 CRC changes)\n\n${table(rows)}\n\nTarget: grouped from BTF in a few seconds.\n`;
}
