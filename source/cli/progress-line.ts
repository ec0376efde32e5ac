import {terminalSafe} from '../common/terminal-text.js';
import {cellWidth, shortenMiddle} from '../common/text-cells.js';

export type ProgressLine = {
	/** What is being done (kbuild, indexing a tarball: seconds), as the core's onProgress says it. */
	update: (message: string) => void;
	/** How far a run over many items is, as a bar: `[####......] 120/4000 modules`. */
	count: (done: number, total: number) => void;
	/** Erases the line; call before anything else is printed. */
	clear: () => void;
};

/**
The one progress writer of the CLI: a line on a terminal's stderr, rewritten in place, cut to the
terminal's width in cells (a wider line would wrap, and `\r` would then rewrite only its last
row), erased before anything else is printed; nothing at all when stderr is not a terminal, so
logs and pipes stay clean. The core only calls back with messages and counts.
*/
export function progressLine(stream: NodeJS.WriteStream = process.stderr, unit = 'modules'): ProgressLine {
	if (!stream.isTTY) {
		return {
			update() {},
			count() {},
			clear() {},
		};
	}

	let shown = false;
	let lastCount = 0;
	const draw = (text: string) => {
		shown = true;
		stream.write(`\r\u001B[K${text}`);
	};

	// One cell short of the width: writing the last column leaves some terminals' cursor on the next row.
	const width = () => Math.max(2, (stream.columns || 80) - 1);
	return {
		update(message) {
			draw(`${shortenMiddle(terminalSafe(message), width() - 1)}…`);
		},
		count(done, total) {
			const now = Date.now();
			// Redrawing costs a write per item; ten times a second is enough for the eye.
			if (done !== total && now - lastCount < 100) {
				return;
			}

			lastCount = now;
			const tally = ` ${done}/${total} ${unit}`;
			const barWidth = Math.max(0, Math.min(30, width() - cellWidth(tally) - 2));
			const filled = total === 0 ? barWidth : Math.round((done / total) * barWidth);
			draw(shortenMiddle(`[${'#'.repeat(filled)}${'.'.repeat(barWidth - filled)}]${tally}`, width()));
		},
		clear() {
			if (shown) {
				shown = false;
				stream.write('\r\u001B[K');
			}
		},
	};
}
