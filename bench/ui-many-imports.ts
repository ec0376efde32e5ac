/**
Explorer latency on one module of 100,000 imports (issue 22: a key took 187 ms on average): my_drv
(Debian 6.1.0-47) with 100,000 more imports derived from its own (each name suffixed, its CRC
kept, so all are missing) against 6.1.0-47 and 6.1.0-56, in Ink as the explorer runs it (60 fps,
120×40). Keypress-to-frame for Down, PgDn and End/Home over the symbol table; target ≤ 100 ms.
Run: npx tsc && node build/bench/ui-many-imports.js
*/
import {buildCheckReport} from '../source/engine/check-report.js';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {performance} from 'node:perf_hooks';
import {delay, mountExplorer, percentile} from './fake-terminal.js';
import {loadKernel} from '../source/kernel/load-kernel.js';
import {readModuleFile} from '../source/module/read-module.js';
import {checkExplorerData} from '../source/ui/state/data.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const symvers = (release: string) => path.join(root, 'test', 'fixtures', 'kernels', release, 'Module.symvers.gz');
const count = Number(process.env['KMODX_BENCH_IMPORTS'] ?? 100_000);

const module = await readModuleFile(path.join(root, 'test', 'fixtures', 'modules', 'my_drv-6.1.0-47-amd64.ko'));
const extra = Array.from({length: count}, (_, index) => {
	const real = module.versions[index % module.versions.length]!;
	return {name: `${real.name}_${index}`, crc: real.crc};
});
const big = {...module, versions: [...module.versions, ...extra], imports: [...module.imports, ...extra.map(entry => ({...entry, weak: false}))]};
const kernels = await Promise.all([loadKernel({label: '47', source: symvers('6.1.0-47-amd64')}), loadKernel({label: '56', source: symvers('6.1.0-56-amd64')})]);
const start = performance.now();
const data = checkExplorerData(buildCheckReport([big], kernels, {missingVersion: 'fatal'}), kernels);
const explorer = await mountExplorer(data);
const first = performance.now() - start;
await delay(100);

async function press(key: string, times: number): Promise<number[]> {
	const latencies: number[] = [];
	for (let index = 0; index < times; index++) {
		// eslint-disable-next-line no-await-in-loop
		const latency = await explorer.keyToFrame(key, 2000);
		if (latency !== undefined) {
			latencies.push(latency);
		}

		// eslint-disable-next-line no-await-in-loop
		await delay(17);
	}

	return latencies;
}

// End and Home alternate (each moves the cursor, so each makes a frame); then Down and PgDn from the top.
async function alternate(times: number): Promise<number[]> {
	const latencies: number[] = [];
	for (let index = 0; index < times; index++) {
		// eslint-disable-next-line no-await-in-loop
		latencies.push(...await press(index % 2 === 0 ? '\u001B[F' : '\u001B[H', 1));
	}

	return latencies;
}

const keys: Array<[string, string, number]> = [['End/Home', '', 20], ['Down', '\u001B[B', 200], ['PgDn', '\u001B[6~', 100]];
const ms = (value: number) => `${value.toFixed(1)} ms`;
console.log(`check explorer, 1 module × ${module.versions.length + count} imports × 2 kernels, 120×40`);
console.log(`  report + first frame, in process:   ${ms(first)}`);
const all: number[] = [];
for (const [name, key, times] of keys) {
	// eslint-disable-next-line no-await-in-loop
	const latencies = key === '' ? await alternate(times) : await press(key, times);
	all.push(...latencies);
	console.log(`  ${`${name} → frame (${latencies.length} presses):`.padEnd(38)} median ${ms(percentile(latencies, 50))}, p95 ${ms(percentile(latencies, 95))}, max ${ms(Math.max(...latencies))}`);
}

console.log(`  every key: mean ${ms(all.reduce((sum, value) => sum + value, 0) / all.length)} (target ≤ 100 ms)`);
explorer.unmount();
process.exit(0);
