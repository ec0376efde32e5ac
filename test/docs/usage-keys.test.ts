import {readFileSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import test from 'ava';
import {helpLines} from '../../source/ui/keys.js';
import {repoRoot} from '../helpers/paths.js';

/*
docs/usage.md's table of the explorer's keys is the key table of source/ui/keys.ts (which input
handling, the help overlay and the footer are made from), so the documentation cannot drift from
what the keys do. After a change of the keys: KMODX_UPDATE_GOLDEN=1 npm test rewrites it.
*/

const readme = path.join(repoRoot, 'docs', 'usage.md');
const start = '<!-- keys: generated from source/ui/keys.ts by test/docs/usage-keys.test.ts -->';
const end = '<!-- keys: end -->';

function table(): string {
	const escape = (text: string) => text.replaceAll('|', '\\|');
	// Keys while typing a search read "/… Enter" (before a file is written "e… y"): one span.
	const spans = (keys: string) => keys.replace(/^([/e])… /, '$1…\u00A0').split(' ').map(key => `\`${escape(key.replace('\u00A0', ' '))}\``).join(' ');
	const rows = helpLines().map(({keys, help}) => `| ${spans(keys)} | ${escape(help)} |`);
	return ['| keys | action |', '|---|---|', ...rows].join('\n');
}

test('docs/usage.md\'s key table is the explorer\'s key table', t => {
	const text = readFileSync(readme, 'utf8');
	const from = text.indexOf(start);
	const to = text.indexOf(end);
	t.true(from !== -1 && to > from, `docs/usage.md lacks the markers ${start} … ${end}`);
	const expected = `${start}\n${table()}\n${end}`;
	if (process.env['KMODX_UPDATE_GOLDEN'] === '1') {
		writeFileSync(readme, text.slice(0, from) + expected + text.slice(to + end.length));
		t.log('rewrote the key table in docs/usage.md');
		return;
	}

	t.is(text.slice(from, to + end.length), expected, 'docs/usage.md\'s key table differs from source/ui/keys.ts: KMODX_UPDATE_GOLDEN=1 npm test rewrites it');
});
