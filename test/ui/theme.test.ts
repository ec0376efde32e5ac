import test from 'ava';
import stringWidth from 'string-width';
import {fit, wrap} from '../../source/ui/theme.js';

// Names are untrusted and may be wide (CJK, emoji take two cells) or combine (a mark takes none):
// the terminal's cells, as string-width (and Ink) count them, decide, not code points.
const names = ['module_layout', 'драйвер_ядра', '驱动程序模块名称', 'e\u0301cran_pilote', 'usb🔌storage'];

test('fit pads or cuts to exactly the width in terminal cells, whatever the script', t => {
	for (const name of names) {
		for (const width of [1, 2, 5, 8, 13, 30]) {
			const cell = fit(name, width);
			t.is(stringWidth(cell), width, `${name} at ${width}: ${JSON.stringify(cell)}`);
			if (stringWidth(name) > width) {
				t.true(cell.trimEnd().endsWith('…'), cell);
			} else {
				t.is(cell.trimEnd(), name);
			}
		}
	}
});

test('wrap never makes a line wider than the width, and loses no character', t => {
	const text = `why ${names.join(' ')} ${'驱动'.repeat(20)}`;
	for (const width of [4, 7, 10, 25]) {
		const lines = wrap(text, width, '  ');
		t.true(lines.every(line => stringWidth(line) <= width), `${width}: ${JSON.stringify(lines)}`);
		t.is(lines.join('').replaceAll(' ', ''), text.replaceAll(' ', ''));
	}
});
