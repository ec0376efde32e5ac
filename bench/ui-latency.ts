/**
Explorer latency on the kernel-vs-kernel view (24,702 exports of Debian 6.1.0-47 vs 6.1.0-56):
- first frame: from loading the two Module.symvers.gz to the first frame of the table, in
  process, and (when tmux is installed) from launching the real binary to the table on screen;
- keypress-to-frame: PgDn held through the whole list, time from each key to the frame it causes
  (Ink as the explorer runs it: throttled to 60 fps, 120×40), median and p95.
Run: npx tsc && node build/bench/ui-latency.js
*/
import {diffKernels} from '../source/kernel/diff-kernels.js';
import {spawnSync} from 'node:child_process';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {performance} from 'node:perf_hooks';
import {delay, mountExplorer, percentile} from './fake-terminal.js';
import {loadKernels} from '../source/cli/load-inputs.js';
import type {CliFlags} from '../source/cli/flags.js';
import {diffExplorerData} from '../source/ui/state/data.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const symvers = (release: string) => path.join(root, 'test', 'fixtures', 'kernels', release, 'Module.symvers.gz');
const kernelArgs = [`47=${symvers('6.1.0-47-amd64')}`, `56=${symvers('6.1.0-56-amd64')}`];
const columns = 120;
const rows = 40;

async function inProcess(): Promise<{firstFrame: number; load: number; latencies: number[]; rowsCount: number}> {
	const flags: CliFlags = {kernel: kernelArgs, format: 'text', output: undefined, force: false, missingVersion: 'fatal', types: undefined, explain: false, color: true};
	const start = performance.now();
	const kernels = await loadKernels(flags);
	const data = diffExplorerData(kernels, {kernels, rows: diffKernels(kernels)});
	const loaded = performance.now();
	const explorer = await mountExplorer(data);
	const first = performance.now() - start;
	await delay(50);
	const total = data.tables[0]!.length;
	const latencies: number[] = [];
	// 32 rows a page at 40 lines: about 770 presses to go through the list.
	for (let press = 0; press < Math.ceil(total / 30) + 5; press++) {
		// eslint-disable-next-line no-await-in-loop
		const latency = await explorer.keyToFrame('\u001B[6~', 500);
		if (latency !== undefined) {
			latencies.push(latency);
		}

		// Key repeat is ~30/s; waiting a frame interval keeps Ink's 60 fps throttle out of the numbers.
		// eslint-disable-next-line no-await-in-loop
		await delay(17);
	}

	explorer.unmount();
	return {firstFrame: first, load: loaded - start, latencies, rowsCount: total};
}

/** The real binary in tmux: launch to the table on screen. */
async function inTmux(): Promise<number | undefined> {
	if (spawnSync('tmux', ['-V']).status !== 0) {
		return undefined;
	}

	const socket = `kmodx-bench-${process.pid}`;
	const cli = path.join(root, 'build', 'source', 'cli.js');
	const tmux = (...args: string[]) => spawnSync('tmux', ['-L', socket, ...args], {encoding: 'utf8'});
	tmux('new-session', '-d', '-s', 'bench', '-x', String(columns), '-y', String(rows), 'sleep 60');
	await delay(200);
	const start = performance.now();
	tmux('respawn-pane', '-k', '-t', 'bench', `node ${cli} -k ${kernelArgs[0]} -k ${kernelArgs[1]}; sleep 60`);
	let elapsed: number | undefined;
	while (performance.now() - start < 15_000) {
		if (tmux('capture-pane', '-p', '-t', 'bench').stdout.includes('1 of 24702')) {
			elapsed = performance.now() - start;
			break;
		}

		// eslint-disable-next-line no-await-in-loop
		await delay(10);
	}

	tmux('kill-server');
	return elapsed;
}

const result = await inProcess();
const tmuxFirst = await inTmux();
const ms = (value: number) => `${value.toFixed(1)} ms`;
console.log(`kernel-vs-kernel explorer, ${result.rowsCount} exports, ${columns}×${rows}`);
console.log(`  load + diff (2 × Module.symvers.gz):   ${ms(result.load)}`);
console.log(`  first frame, in process:               ${ms(result.firstFrame)}`);
console.log(`  first frame, real binary in tmux:      ${tmuxFirst === undefined ? 'skipped (no tmux)' : ms(tmuxFirst)}`);
console.log(`  PgDn → frame over the whole list (${result.latencies.length} presses): median ${ms(percentile(result.latencies, 50))}, p95 ${ms(percentile(result.latencies, 95))}, max ${ms(Math.max(...result.latencies))}`);
