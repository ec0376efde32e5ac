import os from 'node:os';
import {Worker} from 'node:worker_threads';
import {InputError} from '../common/input-error.js';
import type {Kernel} from '../kernel/kernel.js';
import type {ModuleInfo} from '../module/module-info.js';
import {moduleReport} from '../engine/check-report.js';
import {settlePeers, type PeerSettlement} from '../verdict/settle-peers.js';
import type {CheckPolicy, Outcome, PeerExport} from '../verdict/check-module.js';
import {processModule, type ProcessedModule, type ScanContext} from './process-module.js';
import {Prefetcher} from './prefetch.js';
import {transferKernel} from './transfer-kernel.js';
import {ImportResolver} from '../verdict/import-resolver.js';
import {digestReport, type DigestOptions, type ModuleDigest} from './digest.js';
import type {WorkerBatch, WorkerInput, WorkerReply} from './scan-worker.js';
import {PendingSpill, Spill} from './spill.js';

/** A module's digest, delivered in file order; `peerUses` names imports only another given module resolves. */
export type ScanResult = {
	index: number;
	digest: ModuleDigest;
	peerUses: Array<{kernel: string; symbol: string; module: string}>;
};

export type ScanOptions = {
	/** Worker threads; default: one per core when there are more than `workerThreshold` modules for the digest mode, else none. */
	workers?: number;
	/** What to keep of each module's report (default: the report itself). */
	digest?: DigestOptions;
	/** Read the files on another thread (prefetch.ts) when checking in this one; default: from `prefetchThreshold` modules on. */
	prefetch?: boolean;
	onProgress?: (done: number, total: number) => void;
	onResult: (result: ScanResult) => void;
	/**
	Called before each next module (or batch, with worker threads) is read; the scan waits for a
	returned promise. The report writer's brake: stdout to a slow pipe must not fill the heap.
	*/
	pace?: () => Promise<void> | undefined;
	/** Shown every module as it is read; the scan then runs in this thread (a function cannot cross to a worker). */
	inspect?: (module: ModuleInfo) => void;
};

/**
When threads pay on our 2-vCPU machines: one kmodx process already keeps ~1.3 vCPUs busy (V8
compiles and collects on the other), and each thread warms up its own copy of the engine.
Measured (BENCHMARKS.md), 4,022 modules × 3 kernels: matrix 0.62–0.72 s in one thread, 0.77 s
with 2 workers. Full reports gained from workers only while everything behind a waiting module
was held in the heap (--json: 3.0 s and 530 MiB in one thread, 1.8 s and 350 MiB with 2); with
that spilled to disk (spill.ts) one thread is faster and smaller: --json 2.0–2.2 s and 160 MiB
against 2.4 s and 245 MiB, detailed text 2.0 s against 4.2 s. Workers stay for bigger runs.
*/
export const workerThreshold = {row: 8000, report: 8000};
const batchSize = 16;

/**
A scan in one thread reads its files on another (prefetch.ts) from this many modules on: below,
starting the thread costs more than the reads save. KMODX_PREFETCH=0 turns it off (A/B runs, tests).
*/
const prefetchThreshold = 64;

function wantsPrefetch(modules: number, env: NodeJS.ProcessEnv = process.env): boolean {
	return env['KMODX_PREFETCH'] !== '0' && modules >= prefetchThreshold;
}

export function defaultWorkers(modules: number, mode: DigestOptions['mode'] = 'report', env: NodeJS.ProcessEnv = process.env): number {
	const forced = Number(env['KMODX_WORKERS']);
	if (Number.isInteger(forced) && forced >= 0) {
		return forced;
	}

	return modules > workerThreshold[mode === 'row' ? 'row' : 'report'] ? Math.min(os.availableParallelism(), 8) : 0;
}

/**
Checks many modules against the kernels, streaming: results leave in file order as soon as
every earlier one is done, and only reports (not ModuleInfo) cross threads. The same reports as
buildCheckReport: a module whose import some kernel lacks waits until every module's exports
are known, then is checked again with them as peers.
*/
export async function scanModules(files: string[], kernels: Kernel[], policy: CheckPolicy, options: ScanOptions): Promise<void> {
	const peersPossible = files.length > 1;
	const digest = options.digest ?? {mode: 'report'};
	const results = new OrderedResults(files.length, options);
	try {
		const workers = options.inspect ? 0 : Math.min(options.workers ?? defaultWorkers(files.length, digest.mode), files.length);
		const accept = (item: ProcessedModule) => {
			results.accept(item);
		};

		if (workers <= 1) {
			const context: ScanContext = {kernels, resolver: new ImportResolver(kernels.map(kernel => kernel.exports)), policy, peersPossible, digest, inspect: options.inspect};
			await scanHere(files, context, options, accept);
		} else {
			await runWorkers(files, {kernels: kernels.map(kernel => transferKernel(kernel)), policy, peersPossible, digest}, workers, accept, options.pace);
		}

		await results.finishPending(kernels, policy, digest);
	} finally {
		results.close();
	}
}

/** Every module read and checked in this thread, in order, the next ones read ahead on another. */
async function scanHere(files: string[], context: ScanContext, options: ScanOptions, accept: (item: ProcessedModule) => void): Promise<void> {
	const prefetcher = (options.prefetch ?? wantsPrefetch(files.length)) ? new Prefetcher(files) : undefined;
	try {
		for (const [index, file] of files.entries()) {
			// eslint-disable-next-line no-await-in-loop -- the writer's brake (options.pace).
			await options.pace?.();
			const data = prefetcher?.take(index);
			try {
				// eslint-disable-next-line no-await-in-loop -- in order, one at a time: memory stays flat.
				accept(await processModule(index, file, context, data));
			} finally {
				prefetcher?.release(index);
			}
		}
	} finally {
		prefetcher?.stop();
	}
}

/**
Results leave in file order as soon as every earlier one is done. A module whose import some
kernel lacks is pending until every module's exports are known; results behind it wait, their
text on disk (spill.ts).
*/
class OrderedResults {
	private readonly exportsByIndex = new Map<number, PeerExport[]>();
	/** Per kernel, each exporting module's outcome: a module that cannot load exports nothing there. */
	private readonly outcomeByPath = new Map<string, Map<string, Outcome>>();
	private readonly ready = new Map<number, ScanResult>();
	private pending: PendingSpill | undefined;
	/** Once every module is read: the peers, to check and report the pending modules one by one. */
	private settled: {kernels: Kernel[]; policy: CheckPolicy; digest: DigestOptions; peers: PeerSettlement} | undefined;
	private spill: Spill | undefined;
	private next = 0;
	private done = 0;

	constructor(private readonly total: number, private readonly options: ScanOptions) {}

	accept(item: ProcessedModule): void {
		if (item.exports.length > 0) {
			this.exportsByIndex.set(item.index, item.exports);
			if (item.digest) {
				this.outcomeByPath.set(item.digest.path, new Map(item.digest.verdicts.map(verdict => [verdict.kernel, verdict.verdict])));
			}
		}

		if (item.pending) {
			this.pending ??= new PendingSpill();
			this.pending.put(item.index, item.pending);
		} else if (this.pending?.holds(this.next) && Spill.holds(item.digest!)) {
			this.spill ??= new Spill();
			this.spill.put(item.index, item.digest!);
		} else {
			this.ready.set(item.index, {index: item.index, digest: item.digest!, peerUses: []});
		}

		this.options.onProgress?.(++this.done, this.total);
		for (let result = this.waiting(this.next); result; result = this.waiting(this.next)) {
			this.next++;
			this.options.onResult(result);
		}
	}

	/**
	The pending modules checked with every module's exports as peers; then, in file order, each
	pending module's report made when its turn comes, and what waited, as fast as the writer takes it.
	*/
	async finishPending(kernels: Kernel[], policy: CheckPolicy, digest: DigestOptions): Promise<void> {
		if (!this.pending) {
			return;
		}

		const indexes = [...this.exportsByIndex.keys()].sort((a, b) => a - b);
		const peers = settlePeers(this.pending, kernels, policy, indexes.map(index => this.exportsByIndex.get(index)!), (path, kernel) => this.outcomeByPath.get(path)?.get(kernel) ?? 'fails');
		this.settled = {kernels, policy, digest, peers};
		for (let result = this.waiting(this.next); result; result = this.waiting(this.next)) {
			this.next++;
			this.options.onResult(result);
			// eslint-disable-next-line no-await-in-loop -- the writer's brake (options.pace).
			await this.options.pace?.();
		}
	}

	close(): void {
		this.spill?.close();
		this.pending?.close();
	}

	private waiting(index: number): ScanResult | undefined {
		const result = this.ready.get(index);
		if (result) {
			this.ready.delete(index);
			return result;
		}

		if (this.settled && this.pending?.holds(index)) {
			const {kernels, policy, digest, peers} = this.settled;
			const module = this.pending.get(index)!;
			const own = new Set(module.exports.map(entry => entry.name));
			return {index, digest: digestReport(moduleReport(module, kernels, policy, undefined, peers.verdicts(module)), digest), peerUses: peerUses(module, kernels, peers.peers, own)};
		}

		return this.spill?.has(index) ? {index, digest: this.spill.take(index)!, peerUses: []} : undefined;
	}
}

function peerUses(module: ModuleInfo, kernels: Kernel[], peers: Map<string, Map<string, PeerExport>>, own: Set<string>): ScanResult['peerUses'] {
	const uses: ScanResult['peerUses'] = [];
	for (const kernel of kernels) {
		for (const symbol of module.imports) {
			const peer = kernel.exports.get(symbol.name) || own.has(symbol.name) ? undefined : peers.get(kernel.label)?.get(symbol.name);
			if (peer) {
				uses.push({kernel: kernel.label, symbol: symbol.name, module: peer.module});
			}
		}
	}

	return uses;
}

async function runWorkers(files: string[], input: WorkerInput, count: number, accept: (item: ProcessedModule) => void, pace: ScanOptions['pace']): Promise<void> {
	const url = new URL('scan-worker.js', import.meta.url);
	let nextFile = 0;
	const threads: Worker[] = [];
	await new Promise<void>((resolve, reject) => {
		let running = count;
		let failed = false;
		const fail = (error: Error) => {
			if (!failed) {
				failed = true;
				for (const thread of threads) {
					void thread.terminate();
				}

				reject(error);
			}
		};

		for (let index = 0; index < count; index++) {
			const thread = new Worker(url, {workerData: input});
			threads.push(thread);
			let closed = false;
			const send = () => {
				if (closed) {
					return;
				}

				const batch: WorkerBatch = [];
				while (batch.length < batchSize && nextFile < files.length) {
					batch.push({index: nextFile, file: files[nextFile]!});
					nextFile++;
				}

				if (batch.length === 0) {
					closed = true;
					thread.postMessage(null satisfies WorkerBatch);
				} else {
					thread.postMessage(batch);
				}
			};

			thread.on('message', (reply: WorkerReply) => {
				if ('error' in reply) {
					fail('stack' in reply.error ? new Error(reply.error.stack) : new InputError(reply.error.file, reply.error.problem));
					return;
				}

				try {
					for (const item of reply.results) {
						accept(item);
					}
				} catch (error) {
					fail(error as Error);
					return;
				}

				const brake = pace?.();
				if (brake) {
					brake.then(send, fail);
				} else {
					send();
				}
			});
			thread.on('error', fail);
			thread.on('exit', code => {
				if (code !== 0) {
					fail(new Error(`a scan worker exited with status ${code}`));
				} else if (--running === 0 && !failed) {
					resolve();
				}
			});
			// Two batches in flight: the worker never waits for the main thread between them.
			send();
			send();
		}
	});
}
