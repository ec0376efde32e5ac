import {existsSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {cliPath} from '../test/helpers/paths.js';
import {atExit, temporaryDirectory} from '../test/helpers/derive.js';
import {measure, table, type Measurement} from './measure.js';

/** Where scripts/why-source-check.sh --download keeps Debian's linux-source-6.1 tarballs. */
const sourceDirectory = process.env['KMODX_SOURCE_DIR'] ?? '/tmp/kmodx-source';
const tarballs = {47: path.join(sourceDirectory, 'linux-source-6.1.170-3.tar.xz'), 56: path.join(sourceDirectory, 'linux-source-6.1.192-2.tar.xz')};
const headers = {47: '/usr/src/linux-headers-6.1.0-47-amd64', 56: '/usr/src/linux-headers-6.1.0-56-amd64'};

/**
Issue "exact why from the kernel's source": `kmodx why SYMBOL` with both headers directories and
both real linux-source tarballs (138 MB xz, 1.3 GB of tar each): the index of one tarball; the
first explanation of a symbol with nothing cached (both tarballs indexed, both files preprocessed);
a symbol not explained before, the indexes cached; and the same symbol again.
*/
export function reportSource(runs: number): string {
	if (![...Object.values(tarballs), ...Object.values(headers)].every(file => existsSync(file))) {
		return `### why from the kernel's source: skipped\n\nNeeds ${Object.values(tarballs).join(' and ')} (scripts/why-source-check.sh --download) and ${Object.values(headers).join(', ')}.\n`;
	}

	const why = (symbol: string) => [process.execPath, cliPath, 'why', symbol, '-k', `47=${headers[47]}`, '-k', `56=${headers[56]}`, '--types', `47=${tarballs[47]}`, '--types', `56=${tarballs[56]}`, '--json'];
	const index = fileURLToPath(new URL('index-source.js', import.meta.url));
	const warm = temporaryDirectory(atExit, 'bench');
	// A cache holding both indexes but no generated symtypes: each run explains a symbol it has not seen.
	measure('warm-up', why('misc_register'), 0, {KMODX_CACHE_DIR: warm});
	const newSymbol = ['bash', '-c', 'rm -rf "$KMODX_CACHE_DIR"/symtypes-source-*; exec "$@"', 'bash', ...why('wake_up_process')];
	const rows: Measurement[] = [
		measure('index one tarball (linux-source-6.1.170-3.tar.xz; xz -T0 + one pass in kmodx)', [process.execPath, index, tarballs[47]], Math.min(runs, 3)),
		measure('why wake_up_process, cold: nothing cached (2 tarballs indexed, 2 × kernel/sched/core.c preprocessed)', why('wake_up_process'), Math.min(runs, 3), {KMODX_NO_CACHE: '1'}),
		measure('why wake_up_process, a symbol not seen before, indexes cached (2 × preprocess)', newSymbol, Math.min(runs, 5), {KMODX_CACHE_DIR: warm}),
		measure('why wake_up_process again, warm (generated symtypes cached)', why('wake_up_process'), runs, {KMODX_CACHE_DIR: warm}),
	];
	return `### why from the kernel's source, Debian 6.1.0-47 → 6.1.0-56 (both headers dirs, both linux-source tarballs)\n\n${table(rows)}\n\nTargets: index ≤ 10 s per tarball; cold ≤ 20 s; warm ≤ 1 s.\n`;
}
