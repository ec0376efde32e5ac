import {Worker} from 'node:worker_threads';
import {abandoned, placeFields, ready, reading, skipped, taken, unclaimed, used, type PrefetchInput} from './prefetch-protocol.js';

export type PrefetchOptions = {
	/** Files up to this size are prefetched whole (97% of a distribution's modules); bigger ones are read sparsely by the scan. */
	limit?: number;
	ringSize?: number;
	/** How long the scan waits for one file before it reads everything itself: a stuck thread must not hang a scan. */
	patience?: number;
	workerUrl?: URL;
	/** Wait for the thread even for files it has not reached yet, instead of reading them (tests: which files the thread delivers is then certain). */
	waitForThread?: boolean;
};

/**
Reads the scan's files ahead of it on another thread (prefetch-worker.ts), so that the scan's own
thread parses and checks while the reads happen beside it. It pays when the files are not in the
page cache (a tree just unpacked or not read for a while: 4,022 modules in 1.0 s instead of 1.3 s)
and costs nothing measurable when they are (BENCHMARKS.md). `take(index)` hands over the bytes of
file `index` (undefined: read it yourself), `release(index)` gives its ring space back; both in
file order. The thread reads whole files into a 16 MiB ring and waits when the ring is full.
*/
export class Prefetcher {
	private readonly states: Int32Array;
	private readonly places: Int32Array;
	private readonly control: Int32Array;
	private readonly ring: SharedArrayBuffer;
	private readonly worker: Worker;
	private readonly patience: number;
	private readonly waitForThread: boolean;
	/** How many ring bytes are handed back to the thread at once, and how many wait for that. */
	private readonly releaseBatch: number;
	private freed = 0;

	constructor(files: string[], {limit = 512 * 1024, ringSize = 16 * 1024 * 1024, patience = 5000, workerUrl = new URL('prefetch-worker.js', import.meta.url), waitForThread = false}: PrefetchOptions = {}) {
		const input: PrefetchInput = {
			files,
			states: new SharedArrayBuffer(files.length * 4),
			places: new SharedArrayBuffer(files.length * placeFields * 4),
			control: new SharedArrayBuffer(8),
			ring: new SharedArrayBuffer(ringSize),
			// At most half the ring: a file that starts over at the ring's start, padding included, always fits.
			limit: Math.min(limit, ringSize / 2),
		};
		this.patience = patience;
		this.waitForThread = waitForThread;
		this.releaseBatch = ringSize / 8;
		this.states = new Int32Array(input.states);
		this.places = new Int32Array(input.places);
		this.control = new Int32Array(input.control);
		this.ring = input.ring;
		this.worker = new Worker(workerUrl, {workerData: input});
		// Errors only cost the prefetch: every file it did not deliver is read by the scan.
		this.worker.on('error', () => {
			this.stop();
		});
		this.worker.unref();
	}

	/** File `index`'s bytes (valid until `release(index)`), or undefined when the caller reads it. */
	take(index: number): Uint8Array | undefined {
		for (;;) {
			const state = this.waitForThread ? Atomics.load(this.states, index) : Atomics.compareExchange(this.states, index, unclaimed, taken);
			if ((state === unclaimed && !this.waitForThread) || state === skipped || state === taken) {
				return undefined;
			}

			if (state === ready) {
				const base = index * placeFields;
				return new Uint8Array(this.ring, this.places[base]!, this.places[base + 1]!);
			}

			// Being read: wait for it, but not forever. The thread may be waiting for room itself.
			this.handBack();
			if ((state === reading || state === unclaimed) && Atomics.wait(this.states, index, state, this.patience) === 'timed-out') {
				this.stop();
				return undefined;
			}
		}
	}

	/** Gives file `index`'s ring space back; nothing may use its bytes after this. */
	release(index: number): void {
		if (Atomics.load(this.states, index) === ready) {
			// Handed back in batches: one wake-up of the thread per 2 MiB, not one per file.
			this.freed += this.places[(index * placeFields) + 2]!;
			if (this.freed >= this.releaseBatch) {
				this.handBack();
			}
		}
	}

	private handBack(): void {
		if (this.freed > 0) {
			Atomics.sub(this.control, used, this.freed);
			Atomics.notify(this.control, used);
			this.freed = 0;
		}
	}

	/** Stops the thread: nothing is prefetched from here on (files already read can still be taken). */
	stop(): void {
		Atomics.store(this.control, abandoned, 1);
		Atomics.notify(this.control, used);
		void this.worker.terminate();
	}
}
