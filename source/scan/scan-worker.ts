import {parentPort, workerData} from 'node:worker_threads';
import {isInputError} from '../common/input-error.js';
import type {CheckPolicy} from '../verdict/check-module.js';
import type {DigestOptions} from './digest.js';
import {ImportResolver} from '../verdict/import-resolver.js';
import {processModule, type ProcessedModule, type ScanContext} from './process-module.js';
import {receiveKernel, type TransferredKernel} from './transfer-kernel.js';

export type WorkerInput = {kernels: TransferredKernel[]; policy: CheckPolicy; peersPossible: boolean; digest: DigestOptions};
export type WorkerBatch = Array<{index: number; file: string}> | null;
export type WorkerReply =
	| {results: ProcessedModule[]}
	| {error: {file: string | undefined; problem: string} | {stack: string}};

const input = workerData as WorkerInput;
const kernels = input.kernels.map(kernel => receiveKernel(kernel));
const context: ScanContext = {
	kernels,
	resolver: new ImportResolver(kernels.map(kernel => kernel.exports)),
	policy: input.policy,
	peersPossible: input.peersPossible,
	digest: input.digest,
};
const port = parentPort!;
const queue: WorkerBatch[] = [];
let running = false;

// Batches are handled strictly in order; `null` (no more work) closes the port after them.
port.on('message', (batch: WorkerBatch) => {
	queue.push(batch);
	if (!running) {
		void drain();
	}
});

async function drain(): Promise<void> {
	running = true;
	while (queue.length > 0) {
		const batch = queue.shift()!;
		if (batch === null) {
			port.close();
			return;
		}

		try {
			const results: ProcessedModule[] = [];
			for (const {index, file} of batch) {
				// eslint-disable-next-line no-await-in-loop -- one module at a time keeps the worker's memory flat.
				results.push(await processModule(index, file, context));
			}

			port.postMessage({results} satisfies WorkerReply);
		} catch (error) {
			port.postMessage({error: isInputError(error) ? {file: error.file, problem: error.problem} : {stack: (error as Error).stack ?? String(error)}} satisfies WorkerReply);
		}
	}

	running = false;
}
