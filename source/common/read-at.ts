import {readSync} from 'node:fs';

/**
Reads `length` bytes at file `position` into `buffer` at `offset`, in as many calls as the system
needs; returns how many it got, fewer only at the end of the file.
*/
export function readAt(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): number {
	let done = 0;
	while (done < length) {
		const count = readSync(fd, buffer, offset + done, length - done, position + done);
		if (count === 0) {
			break;
		}

		done += count;
	}

	return done;
}
