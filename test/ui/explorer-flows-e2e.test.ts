import {execFileSync} from 'node:child_process';
import {readdirSync, readFileSync} from 'node:fs';
import path from 'node:path';
import stringWidth from 'string-width';
import {checkMarkdown} from '../helpers/markdown.js';
import {headers47, headers56, needs} from '../helpers/oracles.js';
import {fixture} from '../helpers/paths.js';
import {tmuxDriver} from '../helpers/tmux.js';

/**
One test per flow of the explorer, each driving the built binary in tmux (own socket) with the
inputs of `npm run demo`: what the user sees at each step, and the file `e` writes read back by a
real CommonMark/GFM parser. Generous time limits, no clock asserts: the machine may be slow.
*/
const {start, send, type, waitFor} = tmuxDriver('flows', 300_000);

const symvers = (release: string) => fixture('kernels', release, 'Module.symvers.gz');
const symtypes = (release: string) => fixture('symtypes', `debian-${release}.version.symtypes.gz`);
const demoTypes = ['--types', `47=${symtypes('6.1.0-47-amd64')}`, '--types', `56=${symtypes('6.1.0-56-amd64')}`];
const myDrv = fixture('modules', 'my_drv-6.1.0-47-amd64.ko');
const squeeze = (line: string) => line.replaceAll(/ +/g, ' ').trim();
const fits = (screen: string, columns: number) => screen.split('\n').every(line => stringWidth(line) <= columns);

needs('tmux', 'headers').serial('flow: module → failing kernel (advice) → mismatch → why → e (asks) → Markdown a GFM parser reads intact → q leaves the verdicts', async t => {
	// The demo's module and type information; the kernels as their installed headers, which name their release.
	const session = start(t, 120, 40, [myDrv, '-k', `47=${headers47}`, '-k', `56=${headers56}`, ...demoTypes]);
	let screen = await waitFor(session, /1 of 21/);
	t.true(fits(screen, 120));
	t.regex(screen, /✗ 56\s+fails at module_layout \(11 CRC mismatches\)/);

	// The failing kernel: Tab to the kernels, down to 56, its detail with the advice.
	send(session, 'Tab');
	send(session, 'j');
	send(session, 'Enter');
	await waitFor(session, /kernel 56 · 2 of 2/);
	// The advice closes the detail: its last page.
	send(session, 'G');
	screen = await waitFor(session, /rebuild against 6\.1\.0-56-amd64/);
	// The package that owns the headers directory, as dpkg knows it.
	const owner = execFileSync('dpkg-query', ['-S', headers56], {encoding: 'utf8'}).split(':')[0]!;
	t.is(owner, 'linux-headers-6.1.0-56-amd64');
	// The detail beside the table wraps its lines: read it as one text.
	const detail = squeeze(screen.split('\n').map(line => line.split('│ ')[1] ?? '').join(' '));
	t.true(detail.includes(`→ rebuild against 6.1.0-56-amd64: its headers are ${owner} $ apt install ${owner} `), detail);
	t.true(detail.includes('$ make -C /lib/modules/6.1.0-56-amd64/build M=$PWD modules'), detail);

	// Back to the symbols: the first mismatch (module_layout) and why its CRC changed.
	send(session, 'Escape');
	send(session, 'Tab');
	send(session, 'Enter');
	screen = await waitFor(session, /symtypes, verified/);
	t.regex(screen, /✗ module_layout/);
	t.regex(screen, /struct task_struct/);
	t.regex(screen, /user_dumpable/);

	// e names the file and asks; nothing is written before y.
	send(session, 'e');
	screen = await waitFor(session, /write the Markdown report to \.\/kmodx-report-my_drv-1\.md\? y\/n/);
	t.deepEqual(readdirSync(session.directory).filter(file => file.startsWith('kmodx-report')), []);
	send(session, 'y');
	await waitFor(session, /wrote \.\/kmodx-report-my_drv-1\.md/);
	const markdown = readFileSync(path.join(session.directory, 'kmodx-report-my_drv-1.md'), 'utf8');
	const {problems, tables, text} = checkMarkdown(markdown);
	t.deepEqual(problems, [], 'no raw HTML, every table row as wide as its header');
	t.true(tables.length > 0);
	t.regex(text, /module_layout/);
	t.regex(text, new RegExp(owner));

	send(session, 'q');
	screen = await waitFor(session, /EXIT=1/);
	t.deepEqual(screen.trimEnd().split('\n').map(line => squeeze(line)), [
		'✓ 47 my_drv: loads (taints: out-of-tree, signature)',
		'✗ 56 my_drv: fails at module_layout (11 CRC mismatches)',
		'report written: ./kmodx-report-my_drv-1.md',
		'EXIT=1',
	]);
});

needs('tmux').serial('flow: kernel diff → c (causes) → /struct task (no key runs a command) → its exports → e → Markdown intact → q', async t => {
	const session = start(t, 120, 40, ['-k', `47=${symvers('6.1.0-47-amd64')}`, '-k', `56=${symvers('6.1.0-56-amd64')}`, ...demoTypes]);
	// Never a blank screen: the first thing on it is the loading frame (or already the explorer).
	let screen = await waitFor(session, now => now.trim() !== '');
	t.regex(screen, /kmodx: loading|1 of 24702/);
	screen = await waitFor(session, /1 of 24702/);
	t.regex(screen, /✗ 18,254 CRC changed · \+ 84 added · − 19 removed/);

	send(session, 'c');
	// The grouping runs after the first frame: its progress, then the list.
	screen = await waitFor(session, /every export/);
	t.regex(screen, /CRC changes by cause, from symtypes/);
	t.regex(screen, /1 {2}struct task_struct: \+ user_dumpable, \+ kstack_offset/);

	// Typed as a search, c, s and e are the query: no export question, no file, still the causes.
	type(session, '/struct task');
	screen = await waitFor(session, /\/struct task▏ 1\/1/);
	t.notRegex(screen, /write the Markdown report/);
	t.regex(screen, /› +1 {2}struct task_struct/);
	t.deepEqual(readdirSync(session.directory).filter(file => file.startsWith('kmodx-report')), []);
	send(session, 'Enter');
	send(session, 'Enter');
	screen = await waitFor(session, /cause \d+\/6: struct task_struct/);
	t.regex(screen, /1 of 1\b/);
	t.regex(screen, /›✗ module_layout/);

	send(session, 'e');
	await waitFor(session, /write the Markdown report to \.\/kmodx-report-diff-47-56-1\.md\? y\/n/);
	send(session, 'Enter');
	await waitFor(session, /wrote \.\/kmodx-report-diff-47-56-1\.md/);
	const markdown = readFileSync(path.join(session.directory, 'kmodx-report-diff-47-56-1.md'), 'utf8');
	const {problems, tables, text} = checkMarkdown(markdown);
	t.deepEqual(problems, []);
	t.true(tables.some(header => header.join('|') === 'exports|type|change'), 'the causes table');
	t.regex(text, /struct task_struct/);

	send(session, 'q');
	screen = await waitFor(session, /EXIT=1/);
	const lines = screen.trimEnd().split('\n').map(line => squeeze(line));
	t.is(lines.length, 4);
	t.is(lines[0], '• 47 base · 24,618 exports');
	t.is(lines[1], '✗ 56 24,683 exports · +84 −19 · 18,254 CRC changed');
	t.is(lines[2], 'report written: ./kmodx-report-diff-47-56-1.md');
	t.is(lines[3], 'EXIT=1');
});

needs('tmux').serial('flow: help at 80×24: every row within 80 cells, no borders, ↓/↑ n more, G/End/g/Home, / finds a key', async t => {
	const session = start(t, 80, 24, [myDrv, '-k', `47=${symvers('6.1.0-47-amd64')}`, '-k', `50=${symvers('6.1.0-50-amd64')}`, '-k', `56=${symvers('6.1.0-56-amd64')}`, ...demoTypes]);
	await waitFor(session, /1 of 21/);
	send(session, '?');
	let screen = await waitFor(session, /^Keys {2}\(Esc or \? closes/m);
	const check = (now: string) => {
		t.true(fits(now, 80), 'no row wider than 80 cells');
		t.notRegex(now, /[│─┌┐└┘├┤┼]/, 'no borders or separator rows');
	};

	check(screen);
	t.regex(screen, /^ ↑ k +move up/m);
	const below = Number(/↓ (\d+) more/.exec(screen)?.[1]);
	t.true(below > 0);
	for (const key of ['G', 'End']) {
		send(session, key === 'G' ? 'g' : 'Home');
		// eslint-disable-next-line no-await-in-loop
		await waitFor(session, now => /↓ \d+ more/.test(now) && !/↑ \d+ more/.test(now));
		send(session, key);
		// eslint-disable-next-line no-await-in-loop
		screen = await waitFor(session, now => /↑ \d+ more/.test(now) && !/↓ \d+ more/.test(now));
		check(screen);
		t.regex(screen, /do not write it/, key);
	}

	send(session, 'Home');
	await waitFor(session, /↓ \d+ more/);
	type(session, '/clipboard');
	screen = await waitFor(session, /\/clipboard▏ 1\/1/);
	check(screen);
	t.regex(screen, /copy the symbol name \(OSC 52 clipboard\)/);
	send(session, 'Escape');
	send(session, 'Escape');
	await waitFor(session, /1 of 21/);
	send(session, 'q');
	await waitFor(session, /EXIT=1/);
});
