/*
The mutation fuzzer: `npm run fuzz -- --cases N [--seed S] [--target NAME[,NAME]] [--jobs J]
[--cli-every K] [--no-minimize] [--replay INDEX]`. Not part of `npm test`.

Cases are generated from (seed, index) alone, so any case can be replayed. Workers (child
processes) run the in-process cases and every K-th case through the real CLI; the parent
watches them (a case that does not finish within the hang bound kills its worker, which is
restarted after it), then minimises each distinct failure into test/fixtures/fuzz/.
*/
import {fork} from 'node:child_process';
import {createHash} from 'node:crypto';
import {cpSync, mkdirSync, rmSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {parseArgs} from 'node:util';
import {fixture, repoRoot} from '../helpers/paths.js';
import {cliTimeLimitSeconds, memoryLimitBytes, runCheck} from './cli-case.js';
import {caseSeed, Rng} from './mutate.js';
import {bzImage, bzImageHeader, type Seed, zstdRleBomb} from './seeds.js';
import {
	type Context, type Failure, makeContext, outcome, runOnce, type Target, targetNamed, targets,
} from './targets.js';

const {values: options} = parseArgs({
	options: {
		cases: {type: 'string', default: '1000'},
		seed: {type: 'string', default: '1'},
		target: {type: 'string'},
		jobs: {type: 'string', default: '1'},
		'cli-every': {type: 'string', default: '250'},
		'time-limit': {type: 'string', default: '2000'},
		'no-minimize': {type: 'boolean', default: false},
		'no-bombs': {type: 'boolean', default: false},
		replay: {type: 'string'},
		worker: {type: 'string'},
		from: {type: 'string'},
		report: {type: 'string'},
	},
	allowPositionals: false,
});

const cases = Number(options.cases);
const seed = Number(options.seed) >>> 0;
const jobs = Math.max(1, Number(options.jobs));
const cliEvery = Number(options['cli-every']);
const timeLimitMs = Number(options['time-limit']);
const hangLimitMs = 20_000;
const chosen: Target[] = options.target ? options.target.split(',').map(name => targetNamed(name)) : [...targets];

type Stats = Record<string, {cases: number; ms: number; failures: number; maxMs: number; refused: number}>;
type FailureRecord = Failure & {index: number; target: string; seedName: string};
type Message =
	| {type: 'start'; index: number}
	| {type: 'failure'; failure: FailureRecord}
	| {type: 'done'; stats: Stats; counters: Record<string, number>};

// ---- case generation ------------------------------------------------------------------------------

const seedCache = new Map<string, Seed[]>();

async function seedsOf(target: Target): Promise<Seed[]> {
	let seeds = seedCache.get(target.name);
	if (!seeds) {
		seeds = await target.seeds();
		seedCache.set(target.name, seeds);
	}

	return seeds;
}

type Case = {index: number; target: Target; seedName: string; data: Uint8Array; cli: boolean};

function pickTarget(rng: Rng, from: readonly Target[]): Target {
	const total = from.reduce((sum, target) => sum + target.weight, 0);
	let roll = rng.int(total);
	for (const target of from) {
		roll -= target.weight;
		if (roll < 0) return target;
	}

	return from[0]!;
}

export async function generate(index: number): Promise<Case> {
	const rng = new Rng(caseSeed(seed, index));
	const cli = cliEvery > 0 && index % cliEvery === cliEvery - 1;
	// CLI cases mutate what `check` reads: a module (plain or compressed) or a kernel.
	const pool = cli ? chosen.filter(target => ['module', 'compressed', 'kernel'].includes(target.name)) : chosen;
	const target = pickTarget(rng, pool.length > 0 ? pool : [targetNamed('module')]);
	const seeds = await seedsOf(target);
	const picked = rng.pick(seeds);
	const data = rng.chance(0.01) ? picked.data : target.mutate(picked.data, rng, seeds);
	return {index, target, seedName: picked.name, data, cli};
}

// ---- worker -----------------------------------------------------------------------------------------

const send = (message: Message) => process.send!(message);

async function runCase(testCase: Case, context: Context): Promise<{failure: Failure | undefined; ms: number; refused: boolean}> {
	if (!testCase.cli) {
		context.externalMs = 0;
		const started = performance.now();
		const result = await outcome(testCase.target, testCase.data, context);
		return {...result, ms: performance.now() - started - context.externalMs};
	}

	const directory = path.join(context.scratch, `cli-${testCase.index}`);
	mkdirSync(directory, {recursive: true});
	const mutatedKernel = testCase.target.name === 'kernel';
	const moduleFile = mutatedKernel ? fixture('modules/my_drv-6.1.0-47-amd64.ko') : path.join(directory, testCase.target.name === 'compressed' ? 'fuzz.ko.xz' : 'fuzz.ko');
	const kernelFile = mutatedKernel ? path.join(directory, 'Module.symvers') : fixture('kernels/6.1.0-47-amd64/Module.symvers.gz');
	writeFileSync(mutatedKernel ? kernelFile : moduleFile, testCase.data);
	const result = runCheck(moduleFile, kernelFile, context.scratch);
	rmSync(directory, {recursive: true, force: true});
	return {failure: result.failure, ms: result.ms, refused: result.code === 2};
}

async function worker(first: number): Promise<void> {
	const context = makeContext();
	const stats: Stats = {};
	let baseline: number | undefined;
	for (let index = first; index < cases; index += jobs) {
		send({type: 'start', index});
		// eslint-disable-next-line no-await-in-loop
		const testCase = await generate(index);
		// eslint-disable-next-line no-await-in-loop
		const {failure: found, ms, refused} = await runCase(testCase, context);
		let failure = found;
		// Linear work on a big input is not a hang: the bound grows by 250 ms per MiB (stacked
		// duplications can build a 30 MiB symtypes line), which still catches anything quadratic.
		const limit = testCase.cli ? cliTimeLimitSeconds * 1000 : Math.round(timeLimitMs + (testCase.data.length / 1_048_576 * 250));
		if (!failure && ms > limit) failure = {kind: 'slow', message: `took ${Math.round(ms)} ms, bound ${limit} ms`};
		const rss = process.memoryUsage.rss();
		baseline ??= Math.max(rss, 200 * 1024 * 1024);
		if (!failure && rss - baseline > memoryLimitBytes) failure = {kind: 'memory', message: `RSS ${Math.round(rss / 1048576)} MiB, ${Math.round((rss - baseline) / 1048576)} MiB over the baseline`};
		const name = testCase.cli ? `cli:${testCase.target.name}` : testCase.target.name;
		const entry = (stats[name] ??= {cases: 0, ms: 0, failures: 0, maxMs: 0, refused: 0});
		entry.cases++;
		if (refused) entry.refused++;
		entry.ms += ms;
		entry.maxMs = Math.max(entry.maxMs, ms);
		if (failure) {
			entry.failures++;
			send({type: 'failure', failure: {...failure, index, target: name, seedName: testCase.seedName}});
		}
	}

	context.cleanup();
	const counters: Record<string, number> = {};
	for (const target of chosen) {
		for (const [name, value] of Object.entries(target.counters?.() ?? {})) counters[`${target.name}: ${name}`] = value;
	}

	send({type: 'done', stats, counters});
}

// ---- minimisation -----------------------------------------------------------------------------------

/** The failure's identity for minimisation: kind and message without numbers. */
const signature = (failure: Failure) => `${failure.kind}:${failure.message.replaceAll(/\/tmp\/kmodx-fuzz-[^/]+/g, '').replaceAll(/\d+/g, 'N').replace(/\(file:.*\)$/, '')}`;

/** Delta reduction: drop chunks (halving their size) while the same failure persists. */
async function minimize(target: Target, data: Uint8Array, failure: Failure, context: Context): Promise<Uint8Array> {
	const wanted = signature(failure);
	let best = data;
	let budget = 4000;
	const deadline = Date.now() + 60_000;
	const stillFails = async (candidate: Uint8Array) => {
		budget--;
		const outcome = await runOnce(target, candidate, context);
		return outcome !== undefined && signature(outcome) === wanted;
	};

	for (let chunk = Math.max(1, best.length >> 1); chunk >= 1 && budget > 0 && Date.now() < deadline; chunk >>= 1) {
		for (let start = 0; start < best.length && budget > 0 && Date.now() < deadline;) {
			const candidate = new Uint8Array(best.length - Math.min(chunk, best.length - start));
			candidate.set(best.subarray(0, start));
			candidate.set(best.subarray(start + chunk), start);
			// eslint-disable-next-line no-await-in-loop
			if (await stillFails(candidate)) best = candidate;
			else start += chunk;
		}
	}

	return best;
}

// ---- parent -----------------------------------------------------------------------------------------

function bombChecks(scratch: string): Array<{name: string; failure: Failure | undefined; ms: number}> {
	// Real-size bombs against the real caps (256 MiB per module, 512 MiB per kernel image), through the CLI.
	const moduleBomb = path.join(scratch, 'bomb.ko.zst');
	writeFileSync(moduleBomb, zstdRleBomb(300 * 1024 * 1024));
	const imageBomb = path.join(scratch, 'bomb-vmlinuz');
	writeFileSync(imageBomb, bzImage(bzImageHeader(), zstdRleBomb(600 * 1024 * 1024), 600 * 1024 * 1024));
	const imageBombQuiet = path.join(scratch, 'bomb-vmlinuz-nosize');
	writeFileSync(imageBombQuiet, bzImage(bzImageHeader(), zstdRleBomb(600 * 1024 * 1024), 1000));
	const results = [];
	for (const [name, module, kernel] of [
		['module .ko.zst bomb (300 MiB > 256 MiB cap)', moduleBomb, fixture('kernels/6.1.0-47-amd64/Module.symvers.gz')],
		['vmlinuz bomb (600 MiB > 512 MiB cap)', fixture('modules/my_drv-6.1.0-47-amd64.ko'), imageBomb],
		['vmlinuz bomb with a lying size trailer', fixture('modules/my_drv-6.1.0-47-amd64.ko'), imageBombQuiet],
	] as const) {
		const outcome = runCheck(module, kernel, scratch);
		const failure = outcome.failure ?? (outcome.code === 2 ? undefined : {kind: 'cli' as const, message: `a bomb was accepted (exit ${outcome.code})`});
		console.log(`  ${name}: exit ${outcome.code}, ${Math.round(outcome.ms)} ms, peak RSS ${outcome.maxRssKb === undefined ? '?' : `${Math.round(outcome.maxRssKb / 1024)} MiB`}${failure ? ` FAIL ${failure.message}` : ''}`);
		results.push({name, failure, ms: outcome.ms});
	}

	return results;
}

// eslint-disable-next-line max-lines-per-function -- the fuzzer's driver loop: workers, budget, failures and the summary table share its state.
async function parent(): Promise<number> {
	const started = performance.now();
	console.log(`kmodx fuzz: ${cases} cases, seed ${seed}, targets ${chosen.map(t => t.name).join(', ')}, ${jobs} job(s), CLI every ${cliEvery} cases`);
	const failures: FailureRecord[] = [];
	const stats: Stats = {};
	const counters: Record<string, number> = {};
	const context = makeContext();
	// The CLI runs use a snapshot of the bundled binary: others may rebuild the tree during a long run.
	const snapshot = path.join(repoRoot, 'build', `.fuzz-cli-${process.pid}`);
	cpSync(path.join(repoRoot, 'build', 'bin'), path.join(snapshot, 'bin'), {recursive: true});
	process.env['KMODX_FUZZ_CLI'] = path.join(snapshot, 'bin', 'kmodx.cjs');
	let bombFailures = 0;
	if (!options['no-bombs']) {
		console.log('decompression bombs through the CLI:');
		bombFailures = bombChecks(context.scratch).filter(result => result.failure).length;
	}

	let completed = 0;
	const runWorker = (first: number) => new Promise<void>(resolve => {
		const child = fork(process.argv[1]!, [...process.argv.slice(2), '--worker', '1', '--from', String(first)], {stdio: ['ignore', 'inherit', 'inherit', 'ipc']});
		let current: {index: number; since: number} | undefined;
		let finished = false;
		const timer = setInterval(() => {
			if (current && performance.now() - current.since > hangLimitMs + (cliEvery > 0 && current.index % cliEvery === cliEvery - 1 ? cliTimeLimitSeconds * 2000 : 0)) {
				const {index} = current;
				current = undefined;
				child.kill('SIGKILL');
				void generate(index).then(testCase => {
					failures.push({kind: 'hang', message: `no result after ${hangLimitMs} ms`, index, target: testCase.target.name, seedName: testCase.seedName});
				});
				clearInterval(timer);
				finished = true;
				completed++;
				void runWorker(index + jobs).then(resolve);
			}
		}, 500);
		child.on('message', (message: Message) => {
			if (message.type === 'start') {
				if (current) completed++;
				current = {index: message.index, since: performance.now()};
			} else if (message.type === 'failure') {
				failures.push(message.failure);
				console.log(`  FAIL case ${message.failure.index} [${message.failure.target} from ${message.failure.seedName}] ${message.failure.kind}: ${message.failure.message}`);
			} else {
				if (current) completed++;
				current = undefined;
				for (const [name, value] of Object.entries(message.counters)) counters[name] = (counters[name] ?? 0) + value;
				for (const [name, entry] of Object.entries(message.stats)) {
					const total = (stats[name] ??= {cases: 0, ms: 0, failures: 0, maxMs: 0, refused: 0});
					total.cases += entry.cases;
					total.refused += entry.refused;
					total.ms += entry.ms;
					total.failures += entry.failures;
					total.maxMs = Math.max(total.maxMs, entry.maxMs);
				}
			}
		});
		child.on('exit', code => {
			clearInterval(timer);
			if (finished) return;
			finished = true;
			if (current) {
				// The worker died mid-case (out of memory, a native crash): that case is a failure.
				const {index} = current;
				completed++;
				void generate(index).then(testCase => failures.push({kind: 'crash', message: `worker exited with ${code} during the case`, index, target: testCase.target.name, seedName: testCase.seedName}));
				void runWorker(index + jobs).then(resolve);
				return;
			}

			resolve();
		});
	});

	const progress = setInterval(() => {
		const seconds = (performance.now() - started) / 1000;
		console.log(`  ${completed}/${cases} cases, ${Math.round(completed / seconds)}/s, ${failures.length} failures, ${Math.round(seconds)} s`);
	}, 15_000);
	await Promise.all(Array.from({length: Math.min(jobs, cases)}, (_, first) => runWorker(first)));
	clearInterval(progress);
	const seconds = (performance.now() - started) / 1000;

	// Distinct failures, minimised into the fixtures.
	const distinct = new Map<string, FailureRecord>();
	for (const failure of failures) {
		const key = `${failure.target}|${signature(failure)}`;
		if (!distinct.has(key)) distinct.set(key, failure);
	}

	const saved: string[] = [];
	for (const failure of distinct.values()) {
		// eslint-disable-next-line no-await-in-loop
		const testCase = await generate(failure.index);
		let data = testCase.data;
		if (!testCase.cli && !options['no-minimize'] && (failure.kind === 'crash' || failure.kind === 'message')) {
			// eslint-disable-next-line no-await-in-loop
			data = await minimize(testCase.target, data, failure, context);
		}

		const name = `${failure.target.replace(':', '-')}-${createHash('sha256').update(data).digest('hex').slice(0, 12)}`;
		mkdirSync(fixture('fuzz'), {recursive: true});
		writeFileSync(fixture('fuzz', `${name}.bin`), data);
		writeFileSync(fixture('fuzz', `${name}.json`), JSON.stringify({target: testCase.target.name, cli: testCase.cli, seed, case: failure.index, seedFile: failure.seedName, kind: failure.kind, failure: failure.message, bytes: data.length}, undefined, '\t') + '\n');
		saved.push(`${name} (${data.length} bytes): ${failure.kind}: ${failure.message}`);
	}

	context.cleanup();
	rmSync(snapshot, {recursive: true, force: true});
	console.log(`\n${cases} cases in ${seconds.toFixed(1)} s (${Math.round(cases / seconds)}/s), ${failures.length + bombFailures} failures`);
	console.log('target              cases  refused   ms/case   max ms   failures');
	for (const [name, entry] of Object.entries(stats).sort()) {
		console.log(`${name.padEnd(18)} ${String(entry.cases).padStart(7)} ${`${Math.round((100 * entry.refused) / Math.max(1, entry.cases))}%`.padStart(8)} ${(entry.ms / Math.max(1, entry.cases)).toFixed(2).padStart(9)} ${Math.round(entry.maxMs).toString().padStart(8)} ${String(entry.failures).padStart(10)}`);
	}

	for (const [name, value] of Object.entries(counters)) console.log(`${name}: ${value}`);
	for (const line of saved) console.log(`saved test/fixtures/fuzz/${line}`);
	if (options.report) writeFileSync(options.report, JSON.stringify({cases, seed, seconds, stats, counters, failures}, undefined, '\t') + '\n');
	return failures.length + bombFailures === 0 ? 0 : 1;
}

async function replay(index: number): Promise<number> {
	const testCase = await generate(index);
	const context = makeContext();
	const file = path.join(process.cwd(), `fuzz-case-${seed}-${index}.bin`);
	writeFileSync(file, testCase.data);
	const {failure, ms} = await runCase(testCase, context);
	context.cleanup();
	console.log(`case ${index}: ${testCase.cli ? 'cli:' : ''}${testCase.target.name} from ${testCase.seedName}, ${testCase.data.length} bytes (written to ${file}), ${ms.toFixed(1)} ms: ${failure ? `${failure.kind}: ${failure.message}` : 'ok'}`);
	return failure ? 1 : 0;
}

if (options.worker) {
	await worker(Number(options.from ?? '0'));
	process.disconnect?.();
} else if (options.replay) {
	process.exitCode = await replay(Number(options.replay));
} else {
	process.exitCode = await parent();
}
