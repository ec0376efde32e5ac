import {InputError} from '../common/input-error.js';

const mebibyte = 1024 * 1024;

/**
At most this many bytes are taken out of one kernel source (tarball or tree) in one run: the
files a translation unit needs (the .c and its local headers) are held in memory and written to
kbuild's temporary tree. Linux 6.1's kernel/sched/core.c needs 1.1 MB; the largest units (amdgpu's
register headers) tens of MB. An 11 MB .tar.gz of 40 headers of 63 MiB each took 2.6 GiB of memory
and wrote 2.5 GB to TMPDIR.
*/
export const maximumExtracted = 256 * mebibyte;
/** A member larger than this is not source code: never indexed (tar-reader.ts), never extracted. */
export const maximumMember = 64 * mebibyte;

const inMebibytes = (bytes: number) => `${(bytes / mebibyte).toFixed(bytes % mebibyte === 0 ? 0 : 1)} MiB`;

/** What one source may still hand out; each read is charged before anything of it is read. */
export class ExtractionBudget {
	private used = 0;

	constructor(private readonly source: string, private readonly limit = maximumExtracted) {}

	/** Charges the files about to be read, or refuses them all (one line naming the limit) before any is read. */
	take(files: ReadonlyArray<{file: string; size: number}>): void {
		let total = 0;
		for (const {file, size} of files) {
			if (size > maximumMember) {
				throw new InputError(this.source, `${JSON.stringify(file)} is ${inMebibytes(size)}: more than ${inMebibytes(maximumMember)}, not source code (limit)`);
			}

			total += size;
		}

		if (this.used + total > this.limit) {
			throw new InputError(this.source, `the files to preprocess add up to ${inMebibytes(this.used + total)}: more than ${inMebibytes(this.limit)} taken from one kernel source (limit)`);
		}

		this.used += total;
	}
}
