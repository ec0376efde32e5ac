import {readFileSync} from 'node:fs';
import test from 'ava';
import stringWidth from 'string-width';
import {padCells, shortenMiddle} from '../../source/common/text-cells.js';
import {fixture} from '../helpers/paths.js';

const demangled = readFileSync(fixture('rust-symbols', 'names.tsv'), 'utf8').split('\n').filter(line => line !== '' && !line.startsWith('#')).map(line => line.split('\t')[3]!);

test('a demangled name cut in the middle keeps its crate and its function', t => {
	t.is(shortenMiddle('<kernel::net::phy::Device>::genphy_read_lpa', 30), '<kernel::ne…>::genphy_read_lpa');
	t.is(shortenMiddle('kernel::time::delay::fsleep', 30), 'kernel::time::delay::fsleep');
	t.is(shortenMiddle('abc', 1), '…');
	t.is(shortenMiddle('abc', 0), '');
});

test('every real name, at every width, fits in that many terminal cells (string-width), wide characters whole', t => {
	const wide = ['names::東京', '<names::Größe<u8, 3>>::first', '東京東京東京東京東京'];
	for (const name of [...demangled.filter((_, index) => index % 7 === 0), ...wide]) {
		for (let width = 1; width <= 60; width++) {
			const cut = shortenMiddle(name, width);
			t.true(stringWidth(cut) <= width, `${name} at ${width}: ${cut}`);
			t.is(stringWidth(padCells(cut, width)), Math.max(width, stringWidth(cut)));
			if (stringWidth(name) <= width) {
				t.is(cut, name);
			} else {
				// Nothing but the ellipsis is invented: the start and the end of the name, whole characters.
				const [head, tail] = cut.split('…') as [string, string];
				t.true(name.startsWith(head) && name.endsWith(tail), `${name} at ${width}: ${cut}`);
			}
		}
	}

	t.is(shortenMiddle('東京東京東京東京東京', 9), '東京…東京');
});
