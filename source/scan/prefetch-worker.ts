import {closeSync, constants, fstatSync, openSync} from 'node:fs';
import {workerData} from 'node:worker_threads';
import {readAt} from '../common/read-at.js';
import {abandoned, placeFields, ready, reading, skipped, unclaimed, used, type PrefetchInput} from './prefetch-protocol.js';

/*
The prefetch thread: reads the scan's module files, whole and in file order, into the shared
ring, ahead of the scan. It only reads (no parsing), so it needs no warm-up and costs the second
core little; the scan's thread is left with parsing and verdicts. Any trouble with a file leaves
the file to the scan, which reads it itself and reports what is wrong.
*/

const {files, limit, ...shared} = workerData as PrefetchInput;
const states = new Int32Array(shared.states);
const places = new Int32Array(shared.places);
const control = new Int32Array(shared.control);
const ring = new Uint8Array(shared.ring);
let head = 0;

for (let index = 0; index < files.length && Atomics.load(control, abandoned) === 0; index++) {
	if (Atomics.compareExchange(states, index, unclaimed, reading) !== unclaimed) {
		continue; // The scan got there first.
	}

	let state = skipped;
	try {
		state = prefetch(index, files[index]!);
	} catch {
		// The scan reads the file again and reports the error in its own words.
	} finally {
		Atomics.store(states, index, state);
		Atomics.notify(states, index);
	}
}

function prefetch(index: number, file: string): number {
	// Non-blocking: opening a FIFO must not wait for a writer (it is then skipped as not a file).
	const fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
	try {
		const stats = fstatSync(fd);
		const size = stats.size;
		if (!stats.isFile() || size === 0 || size > limit) {
			return skipped;
		}

		// A file never wraps around the ring's end: it starts over at 0, the rest of the ring is padding.
		const start = head + size > ring.length ? 0 : head;
		const footprint = size + (start === 0 && head !== 0 ? ring.length - head : 0);
		if (!waitForRoom(footprint)) {
			return skipped;
		}

		if (readAt(fd, ring, start, size, 0) < size) {
			return skipped; // Shrank while being read.
		}

		places[index * placeFields] = start;
		places[(index * placeFields) + 1] = size;
		places[(index * placeFields) + 2] = footprint;
		head = (start + size) % ring.length;
		Atomics.add(control, used, footprint);
		return ready;
	} finally {
		closeSync(fd);
	}
}

/** Waits until the scan has released enough of the ring; false when it gave up on this thread. */
function waitForRoom(bytes: number): boolean {
	for (;;) {
		const inUse = Atomics.load(control, used);
		if (ring.length - inUse >= bytes) {
			return true;
		}

		if (Atomics.load(control, abandoned) !== 0) {
			return false;
		}

		Atomics.wait(control, used, inUse, 1000);
	}
}
