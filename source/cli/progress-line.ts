import {terminalSafe} from '../common/terminal-text.js';

/**
A one-line progress message on a terminal's stderr (kbuild and tarball indexing take seconds),
rewritten in place and erased before anything else is printed; nothing when stderr is not a
terminal, so logs and pipes stay clean.
*/
export function progressLine(stream: NodeJS.WriteStream): {update: (message: string) => void; clear: () => void} {
	let shown = false;
	if (!stream.isTTY) {
		return {
			update() {},
			clear() {},
		};
	}

	const width = () => Math.max(20, (stream.columns || 80) - 1);
	return {
		update(message) {
			shown = true;
			stream.write(`\r\u001B[K${terminalSafe(message).slice(0, width())}…`.slice(0, width() + 8));
		},
		clear() {
			if (shown) {
				shown = false;
				stream.write('\r\u001B[K');
			}
		},
	};
}
