/*
What the scan and its prefetch thread share (prefetch.ts, prefetch-worker.ts): one state per file,
where a read file lies in the ring, and how much of the ring is in use. Each file is claimed once,
by compare-and-exchange on its state: the thread claims files ahead of the scan, the scan claims
any it reaches first and reads those itself.
*/

/** Nobody has claimed the file yet. */
export const unclaimed = 0;
/** The thread is reading it. */
export const reading = 1;
/** Its bytes are in the ring (`places`). */
export const ready = 2;
/** The scan reads it itself. */
export const taken = 3;
/** The thread left it to the scan: too big for the ring, not a regular file, or unreadable (the scan reports why). */
export const skipped = 4;

/** Int32 fields of `control`. */
export const used = 0;
/** Set by the scan when it stops waiting for the thread: the thread stops claiming files. */
export const abandoned = 1;

/** Int32 fields of `places`, per file. */
export const placeFields = 3;

export type PrefetchInput = {
	files: string[];
	/** Int32 per file. */
	states: SharedArrayBuffer;
	/** Int32 × placeFields per file: start in the ring, length, bytes of the ring it holds (padding at the ring's end included). */
	places: SharedArrayBuffer;
	control: SharedArrayBuffer;
	ring: SharedArrayBuffer;
	/** Files above this size are left to the scan, which reads only the parts it needs. */
	limit: number;
};
