/**
The explorer's first frames for every input form, as a user sees them: the real binary in a tmux
pane (120×40), the screen captured every ~20 ms, from launch to
- the loading frame (`kmodx: loading`, with the phase and its counters),
- the explorer's first frame (the position `1 of N` in the footer),
- for the kernel diffs, the causes list ready behind `c` (grouped after the first frame).
One untimed run first (it fills the parsed-kernel cache, as any earlier run would), then the median
of `runs`. Run: npm run build && node build/bench/first-frame.js [runs]
*/
import {execFileSync, spawnSync} from 'node:child_process';
import {existsSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const cli = path.join(root, 'build', 'bin', 'kmodx.cjs');
const fixture = (...parts: string[]) => path.join(root, 'test', 'fixtures', ...parts);
const corpus = (release: string) => `/work/shared/corpus/kernels/debian-${release}/vmlinuz`;
const tree61 = '/var/tmp/kmodx-scale/tree/lib/modules/6.1.0-47-amd64';
const tree612 = '/work/k6/6.12.107';
const myDrv = fixture('modules', 'my_drv-6.1.0-47-amd64.ko');
const symvers = (release: string) => fixture('kernels', release, 'Module.symvers.gz');
const symtypes = (release: string) => fixture('symtypes', `debian-${release}.version.symtypes.gz`);
const demoKernels = ['-k', `47=${symvers('6.1.0-47-amd64')}`, '-k', `50=${symvers('6.1.0-50-amd64')}`, '-k', `56=${symvers('6.1.0-56-amd64')}`];
const demoTypes = ['--types', `47=${symtypes('6.1.0-47-amd64')}`, '--types', `56=${symtypes('6.1.0-56-amd64')}`];

type Form = {label: string; args: string[]; needs: string[]; causes?: boolean};

const forms: Form[] = [
	{label: 'fixtures: my_drv × 3 Module.symvers (npm run demo)', args: [myDrv, ...demoKernels, ...demoTypes], needs: []},
	{label: 'two installed trees: my_drv × 6.1.0-47 tree, 6.12.107 package root', args: [myDrv, '-k', `47=${tree61}`, '-k', `612=${tree612}`], needs: [tree61, tree612]},
	{label: 'two images: my_drv × vmlinuz 6.1.0-47, 6.1.0-56', args: [myDrv, '-k', `47=${corpus('6.1.0-47-amd64')}`, '-k', `56=${corpus('6.1.0-56-amd64')}`], needs: [corpus('6.1.0-47-amd64'), corpus('6.1.0-56-amd64')]},
	{label: 'kernel diff, fixtures with symtypes (47 → 56)', args: ['-k', `47=${symvers('6.1.0-47-amd64')}`, '-k', `56=${symvers('6.1.0-56-amd64')}`, ...demoTypes], needs: [], causes: true},
	{label: 'kernel diff, two images (BTF causes)', args: ['-k', `47=${corpus('6.1.0-47-amd64')}`, '-k', `56=${corpus('6.1.0-56-amd64')}`], needs: [corpus('6.1.0-47-amd64'), corpus('6.1.0-56-amd64')], causes: true},
	{label: 'kernel diff, two installed trees', args: ['-k', `47=${tree61}`, '-k', `612=${tree612}`], needs: [tree61, tree612], causes: true},
];

const socket = `kmodx-bench-${process.pid}`;
const tmux = (...args: string[]) => execFileSync('tmux', ['-L', socket, ...args], {encoding: 'utf8'});
const quote = (text: string) => `'${text.replaceAll('\'', '\'\\\'\'')}'`;
const sleep = async (ms: number) => new Promise(resolve => {
	setTimeout(resolve, ms);
});

type Run = {loading: number | undefined; ready: number; causes: number | undefined};

async function once(form: Form): Promise<Run> {
	const name = 'bench';
	const command = `node ${quote(cli)} ${form.args.map(arg => quote(arg)).join(' ')}; echo EXIT=$?; sleep 600`;
	const started = performance.now();
	tmux('new-session', '-d', '-s', name, '-x', '120', '-y', '40', '-c', root, 'env', '-u', 'CI', 'sh', '-c', command);
	let loading: number | undefined;
	let ready: number | undefined;
	let causes: number | undefined;
	try {
		for (;;) {
			const screen = tmux('capture-pane', '-p', '-t', name);
			const now = performance.now() - started;
			if (loading === undefined && /kmodx: loading/.test(screen)) {
				loading = now;
			}

			if (ready === undefined && /^1 of [\d,]+/m.test(screen)) {
				ready = now;
				if (!form.causes) {
					break;
				}

				tmux('send-keys', '-t', name, 'c');
			}

			if (ready !== undefined && form.causes && /every export/.test(screen)) {
				causes = now;
				break;
			}

			// No grouping for these inputs: c says why.
			if (ready !== undefined && form.causes && /not grouped by cause|no changes grouped by cause|nothing to group/.test(screen)) {
				break;
			}

			if (/EXIT=\d+/.test(screen)) {
				throw new Error(`${form.label}: the explorer ended:\n${screen}`);
			}

			if (now > 600_000) {
				throw new Error(`${form.label}: no explorer after 600 s:\n${screen}`);
			}

			// eslint-disable-next-line no-await-in-loop -- polling the screen.
			await sleep(20);
		}
	} finally {
		spawnSync('tmux', ['-L', socket, 'kill-session', '-t', name]);
	}

	return {loading, ready, causes};
}

const median = (values: number[]) => {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.floor(sorted.length / 2)]!;
};

const seconds = (ms: number | undefined) => (ms === undefined ? '—' : `${(ms / 1000).toFixed(2)} s`);

export async function reportFirstFrame(runs: number): Promise<string> {
	if (spawnSync('tmux', ['-V']).status !== 0) {
		return '### explorer first frames\n\nskipped: tmux is not installed\n';
	}

	const lines = [
		'### explorer first frames (real binary in tmux, 120×40, parsed-kernel cache warm)',
		'',
		'| input form | runs | loading frame | explorer\'s first frame (max) | causes ready behind c |',
		'|---|---|---|---|---|',
	];
	try {
		for (const form of forms) {
			const missing = form.needs.filter(file => !existsSync(file));
			if (missing.length > 0) {
				lines.push(`| ${form.label} | skipped: ${missing.join(', ')} missing | | | |`);
				continue;
			}

			// Untimed: fills the cache.
			// eslint-disable-next-line no-await-in-loop -- one explorer at a time, or they measure each other.
			await once(form);
			const results: Run[] = [];
			for (let run = 0; run < runs; run++) {
				// eslint-disable-next-line no-await-in-loop
				results.push(await once(form));
			}

			const loading = results.map(result => result.loading).filter(value => value !== undefined);
			const ready = results.map(result => result.ready);
			const causes = results.map(result => result.causes).filter(value => value !== undefined);
			const firstLoading = loading.length > 0 ? seconds(median(loading)) : 'not seen (first frame was the explorer)';
			const causesShown = causes.length > 0 ? seconds(median(causes)) : '—';
			lines.push(`| ${form.label} | ${runs} | ${firstLoading} | ${seconds(median(ready))} (${seconds(Math.max(...ready))}) | ${causesShown} |`);
		}
	} finally {
		spawnSync('tmux', ['-L', socket, 'kill-server']);
	}

	return lines.join('\n') + '\n';
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
	process.stdout.write(await reportFirstFrame(Number(process.argv[2] ?? 5)));
}
