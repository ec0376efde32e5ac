import test from 'ava';
import {progressLine} from '../../source/cli/progress-line.js';
import {cellWidth} from '../../source/common/text-cells.js';
import {firstUnsafe} from '../helpers/controls.js';

/*
The CLI's one progress writer: a line on a terminal's stderr that must never wrap (a wrapped line
is not rewritten by \r, and the terminal fills with copies), and nothing at all off a terminal.
Widths are measured with the East Asian Width tables (string-width), as a terminal draws them.
*/

function fakeStream(columns: number | undefined, isTTY: boolean): {stream: NodeJS.WriteStream; written: string[]} {
	const written: string[] = [];
	const stream = {
		isTTY,
		columns,
		write(text: string) {
			written.push(text);
			return true;
		},
	} as unknown as NodeJS.WriteStream;
	return {stream, written};
}

/** What a redraw leaves on the line: the text after the last "carriage return, erase line". */
const drawn = (chunk: string) => chunk.split('\r\u001B[K').at(-1)!;

test('a message is cut to the terminal\'s width in cells, wide characters and control characters included', t => {
	for (const columns of [3, 20, 41, 80, 200]) {
		const {stream, written} = fakeStream(columns, true);
		const progress = progressLine(stream);
		const messages = [
			'indexing linux-source-6.1.tar.xz: 1,234 MB read',
			`reading ${'drivers/gpu/drm/amd/display/'.repeat(8)}dc.h and its local headers`,
			`preprocessing ${'模块'.repeat(60)}.c with kbuild`,
			'a name with \u001B]0;title\u0007 and \r\n in it',
		];
		for (const message of messages) {
			progress.update(message);
			const line = drawn(written.at(-1)!);
			t.true(cellWidth(line) <= columns - 1, `${columns} columns: ${JSON.stringify(line)} is ${cellWidth(line)} cells`);
			t.true(line.endsWith('…'));
			t.is(firstUnsafe(line), undefined, JSON.stringify(line));
		}

		progress.clear();
		t.is(written.at(-1), '\r\u001B[K');
	}

	// Short enough: the whole message.
	const {stream, written} = fakeStream(80, true);
	progressLine(stream).update('decompressing vmlinuz');
	t.is(drawn(written[0]!), 'decompressing vmlinuz…');
});

test('the count is a bar that fits the width, and the last count is always drawn', t => {
	for (const columns of [3, 20, 40, 120]) {
		const {stream, written} = fakeStream(columns, true);
		const progress = progressLine(stream);
		progress.count(1, 4022);
		progress.count(2, 4022);
		progress.count(4022, 4022);
		const lines = written.map(chunk => drawn(chunk));
		// The second redraw came within a tenth of a second of the first: skipped.
		t.is(lines.length, 2);
		t.true(lines.every(line => cellWidth(line) <= columns - 1), JSON.stringify(lines));
		if (columns >= 40) {
			t.regex(lines.at(-1)!, /^\[#+\] 4022\/4022 modules$/, 'full at the end');
		}
	}
});

test('not a terminal: nothing is written, clear included', t => {
	const {stream, written} = fakeStream(80, false);
	const progress = progressLine(stream);
	progress.update('reading');
	progress.count(1, 2);
	progress.clear();
	t.deepEqual(written, []);
	// A terminal that never showed a line is not cleared either.
	const quiet = fakeStream(80, true);
	progressLine(quiet.stream).clear();
	t.deepEqual(quiet.written, []);
});
