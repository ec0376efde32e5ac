/** A one-line progress bar for long runs; the caller shows it only when the stream is a terminal. */
export function progressBar(stream: NodeJS.WriteStream, unit: string): {update: (done: number, total: number) => void; done: () => void} {
	let last = 0;
	let shown = false;
	return {
		update(done, total) {
			const now = Date.now();
			// Redrawing costs a write per module; ten times a second is enough for the eye.
			if (done !== total && now - last < 100) {
				return;
			}

			last = now;
			shown = true;
			const width = 30;
			const filled = Math.round((done / total) * width);
			stream.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${unit}`);
		},
		done() {
			if (shown) {
				stream.write('\r\u001B[2K');
			}
		},
	};
}
