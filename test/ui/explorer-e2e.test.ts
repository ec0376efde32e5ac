import {execFileSync, spawnSync} from 'node:child_process';
import {readFileSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import test from 'ava';
import {temporaryDirectory} from '../helpers/derive.js';
import {headers47, headers56, needs, oracleProgram} from '../helpers/oracles.js';
import {cliPath, fixture} from '../helpers/paths.js';
import {quote, tmuxDriver} from '../helpers/tmux.js';
import {kernel47, kernel56, myDrv} from './ui-fixtures.js';

/**
Drives the built binary in a real pseudo-terminal: tmux on its own socket, keys with
send-keys, the screen with capture-pane. Skipped (reported so) when tmux is not installed.
*/
const withTmux = needs('tmux');
const {tmux, start, capture, send, type, waitFor} = tmuxDriver('e2e', 120_000);

const checkArgs = [myDrv, '-k', kernel47, '-k', kernel56];
// Exit status 1 (56 fails), so spawnSync rather than execFileSync.
const expectedMarkdown = () => spawnSync('node', [cliPath, 'check', ...checkArgs, '--format', 'markdown'], {encoding: 'utf8'}).stdout;

for (const [columns, rows] of [[120, 40], [80, 24]] as const) {
	withTmux.serial(`explorer at ${columns}×${rows}: the Done-when walk-through`, async t => {
		const session = start(t, columns, rows, checkArgs);
		let screen = await waitFor(session, /1 of 21/);
		const lines = screen.split('\n');
		t.true(lines.every(line => [...line].length <= columns));
		t.regex(screen, /✗ 56\s+fails at module_layout/);
		t.regex(screen, /›✗ module_layout\s+0x160c03af ✓ 0x160c03af ✗ 0x9060323f/);
		t.regex(screen, /✓ strlen/);

		send(session, 'm');
		screen = await waitFor(session, /problems only/);
		for (const hidden of ['_printk', 'strlen', '__fentry__']) {
			t.false(screen.includes(hidden), `${hidden} is hidden`);
		}

		t.regex(screen, /module_layout/);
		t.regex(screen, /misc_register/);

		type(session, '/misc_reg');
		await waitFor(session, /\/misc_reg▏ 1\/1/);
		send(session, 'Enter');
		await waitFor(session, /\/misc_reg 1\/1/);
		send(session, 'Enter');
		screen = await waitFor(session, /Kernel log/);
		t.regex(screen, /✓ 47\s+0xf2c48af4/);
		t.regex(screen, /✗ 56\s+0x844c8938/);
		t.regex(screen, /my_drv: disagrees about version of symbol misc_register/);

		send(session, 'e');
		await waitFor(session, /write the Markdown report to \.\/kmodx-report-my_drv-1\.md\? y\/n/);
		send(session, 'y');
		screen = await waitFor(session, /wrote \.\/kmodx-report-my_drv-1\.md/);
		// The check's Markdown, but the whys are the explorer's: misc_register's (opened above) as it
		// answered, the others "not explained" with how to explain them in the explorer.
		const exported = readFileSync(path.join(session.directory, 'kmodx-report-my_drv-1.md'), 'utf8');
		const withoutWhys = (markdown: string) => markdown.replaceAll(/#### Why the CRCs differ on [^]*?(?=#### What to do)/g, '');
		t.is(withoutWhys(exported), withoutWhys(expectedMarkdown()));
		t.regex(exported, /- \*\*`misc_register`\*\*: not explained: no type information to compare/);
		t.regex(exported, /- not explained: `module_layout`, .*: open the symbol in the explorer \(Enter on its row, kernel 56\) before exporting/);

		send(session, 'q');
		screen = await waitFor(session, /EXIT=1/);
		// The alternate screen is gone: what is left is the verdict per kernel and the report written.
		t.deepEqual(screen.trimEnd().split('\n').map(line => line.replace(/ +/g, ' ')), [
			'✓ 47 my_drv: loads (taints: out-of-tree)',
			'✗ 56 my_drv: fails at module_layout (11 CRC mismatches)',
			'report written: ./kmodx-report-my_drv-1.md',
			'EXIT=1',
		]);
		t.false(/sort status|Kernel log|misc_register/.test(screen));
	});
}

withTmux.serial('resizing re-lays out without garbage; Ctrl-c restores the terminal', async t => {
	const session = start(t, 120, 40, checkArgs);
	await waitFor(session, /1 of 21/);
	tmux('resize-window', '-t', session.name, '-x', '80', '-y', '24');
	// Until the 80-column layout is on screen, once, with nothing left of the 120-column one.
	const relaidOut = (now: string) => {
		const rows = now.split('\n');
		return /exported …|problem {3}exported/.test(now) && /^my_drv · ✗ 11 mismatches/.test(rows[0]!)
			&& now.match(/\? help/g)?.length === 1 && now.match(/1 of 21/g)?.length === 1 && rows.filter(line => line.startsWith('my_drv ·')).length === 1;
	};

	let screen = await waitFor(session, relaidOut);
	const lines = screen.split('\n');
	t.regex(lines[0]!, /^my_drv · ✗ 11 mismatches/);
	t.is(screen.match(/\? help/g)?.length, 1);
	t.is(screen.match(/1 of 21/g)?.length, 1);
	t.is(lines.filter(line => line.startsWith('my_drv ·')).length, 1);
	tmux('resize-window', '-t', session.name, '-x', '50', '-y', '10');
	await waitFor(session, /need 60×12, have 50×10/);
	tmux('resize-window', '-t', session.name, '-x', '100', '-y', '30');
	screen = await waitFor(session, /1 of 21/);
	t.is(screen.match(/need 60/g), null);
	send(session, 'C-c');
	screen = await waitFor(session, /EXIT=1/);
	// Ctrl-c quits like q: the verdicts, then the shell.
	t.regex(screen.split('\n')[0]!, /^✓ 47 +my_drv: loads/);
	t.false(/sort status|1 of 21/.test(screen));
});

withTmux.serial('kernel-vs-kernel: PgDn through 24,702 exports, NO_COLOR keeps every mark', async t => {
	const session = start(t, 120, 40, ['-k', kernel47, '-k', kernel56], 'NO_COLOR=1');
	let screen = await waitFor(session, /1 of 24702/);
	t.regex(screen, /✗ 18,254 CRC changed · \+ 84 added · − 19 removed/);
	for (let index = 0; index < 20; index++) {
		send(session, 'PageDown');
	}

	screen = await waitFor(session, /641 of 24702/);
	t.regex(screen, /›[✗✓+−⚠] /);
	const colored = tmux('capture-pane', '-p', '-e', '-t', session.name);
	// No color escapes (SGR 30-37/90-97) when NO_COLOR is set; attributes like inverse remain.
	// eslint-disable-next-line no-control-regex -- an SGR escape starts with ESC.
	t.false(/\u001B\[[\d;]*(3[0-7]|9[0-7])m/.test(colored));
	send(session, 'End');
	await waitFor(session, /24702 of 24702/);
	send(session, 'q');
	await waitFor(session, /EXIT=1/);
});

test('piped, the same command prints the check report instead of the UI', t => {
	const result = spawnSync('node', [cliPath, ...checkArgs], {encoding: 'utf8'});
	t.is(result.status, 1);
	t.regex(result.stdout, /✗ 56\s+fails at module_layout/);
	t.false(result.stdout.includes('\u001B[?1049h'));
});

withTmux.serial('Enter on a mismatched symbol shows why: verified symtypes, else BTF, naming the method', async t => {
	const symtypes = ['--types', `47=${fixture('symtypes/debian-6.1.0-47-amd64.version.symtypes.gz')}`, '--types', `56=${fixture('symtypes/debian-6.1.0-56-amd64.version.symtypes.gz')}`];
	const exact = start(t, 120, 40, [...checkArgs, ...symtypes]);
	await waitFor(exact, /1 of 21/);
	send(exact, 'Enter');
	let screen = await waitFor(exact, /symtypes, verified/);
	t.regex(screen, /struct task_struct/);
	t.regex(screen, /user_dumpable/);
	send(exact, 'q');
	await waitFor(exact, /EXIT=1/);

	const btf = ['--types', `47=${fixture('btf/debian-6.1.0-47-amd64.btf.gz')}`, '--types', `56=${fixture('btf/debian-6.1.0-56-amd64.btf.gz')}`];
	for (const symbol of ['module_layout', 'misc_register', 'kmalloc_trace']) {
		const session = start(t, 120, 40, [...checkArgs, ...btf]);
		// eslint-disable-next-line no-await-in-loop -- one tmux session at a time.
		await waitFor(session, /1 of 21/);
		type(session, `/${symbol}`);
		send(session, 'Enter');
		send(session, 'Enter');
		// eslint-disable-next-line no-await-in-loop
		screen = await waitFor(session, /method: btf, approximate/);
		t.regex(screen, new RegExp(`✗ ${symbol}`), symbol);
		// The detail scrolls: page through it until the task_struct cause shows.
		let seen = screen;
		for (let page = 0; page < 20 && !/kstack_offset/.test(seen); page++) {
			const before = capture(session);
			send(session, 'PageDown');
			// eslint-disable-next-line no-await-in-loop
			seen += await waitFor(session, now => now !== before);
		}

		t.regex(seen, /struct task_struct/, symbol);
		t.regex(seen, /kstack_offset/, symbol);
		send(session, 'q');
		// eslint-disable-next-line no-await-in-loop
		await waitFor(session, /EXIT=1/);
	}
});

needs('tmux', 'headers', 'kbuild').serial('kernels given as installed headers: the explorer explains module_layout from kbuild-generated symtypes, verified', async t => {
	const headers = [headers47, headers56];
	const session = start(t, 120, 40, [myDrv, '-k', `47=${headers[0]!}`, '-k', `56=${headers[1]!}`]);
	await waitFor(session, /1 of 21/);
	send(session, 'Enter');
	const screen = await waitFor(session, /symtypes, verified/, 600_000);
	t.regex(screen, /struct task_struct/);
	send(session, 'q');
	await waitFor(session, /EXIT=1/);
});

needs('tmux', 'pgrep').serial('SIGTERM and SIGQUIT give the terminal back and end with the signal\'s status', async t => {
	// SIGQUIT (Ctrl-\) left the alternate screen on.
	for (const [signal, status] of [['SIGTERM', 143], ['SIGQUIT', 131]] as const) {
		const session = start(t, 100, 30, checkArgs);
		// eslint-disable-next-line no-await-in-loop
		await waitFor(session, /1 of 21/);
		const shell = tmux('list-panes', '-t', session.name, '-F', '#{pane_pid}').trim();
		const node = execFileSync('pgrep', ['-P', shell], {encoding: 'utf8'}).trim().split('\n')[0]!;
		process.kill(Number(node), signal);
		// eslint-disable-next-line no-await-in-loop
		const screen = await waitFor(session, new RegExp(`EXIT=${status}`));
		t.notRegex(screen, /1 of 21/, `${signal}: the alternate screen is gone`);
	}
});

needs('tmux', 'headers', 'kbuild').serial('headers dirs and source tarballs: Enter explains misc_register exactly, in the module view and in the kernel-vs-kernel view', async t => {
	const headers = [headers47, headers56];
	const kernels = ['-k', `47=${headers[0]!}`, '-k', `56=${headers[1]!}`, '--types', `47=${fixture('kernel-source/linux-source-6.1.170-3.tar.xz')}`, '--types', `56=${fixture('kernel-source/linux-source-6.1.192-2.tar.xz')}`];
	for (const [view, args, loaded] of [['module', [myDrv, ...kernels], /1 of 21/], ['kernel-vs-kernel', kernels, /1 of 2\d,\d{3}|1 of 2\d{4}/]] as const) {
		const session = start(t, 120, 40, [...args]);
		// eslint-disable-next-line no-await-in-loop
		await waitFor(session, loaded);
		type(session, '/misc_register');
		send(session, 'Enter');
		send(session, 'Enter');
		// eslint-disable-next-line no-await-in-loop
		const screen = await waitFor(session, /symtypes, verified/, 600_000);
		t.regex(screen, /47: drivers\/char\/misc\.c of/, view);
		// The changed type heads its changes on a line of its own, as `kmodx why` prints it.
		t.regex(screen, /(?:│ |^)struct key *$/m, view);
		send(session, 'q');
		// eslint-disable-next-line no-await-in-loop
		await waitFor(session, /EXIT=1/);
	}
});

withTmux.serial('on a terminal too: a bad option is one line and exit 2, before the explorer starts', async t => {
	for (const [args, line] of [
		[[...checkArgs, '--kernal', 'x'], 'kmodx: unknown option --kernal: did you mean --kernel?'],
		[[...checkArgs, '--layout', 'grid'], 'kmodx: --layout grid: not one of auto, matrix, details'],
		[[...checkArgs, '-k'], 'kmodx: -k/--kernel needs a value: KERNEL ([LABEL=]SOURCE)'],
		[[...checkArgs, '--types', '99=/nonexistent'], 'kmodx: --types 99=/nonexistent: no kernel is labelled \'99\' (labels: 47, 56)'],
	] as const) {
		const session = start(t, 100, 30, [...args]);
		// eslint-disable-next-line no-await-in-loop
		const screen = await waitFor(session, /EXIT=\d+/);
		t.deepEqual(screen.trimEnd().split('\n'), [line, 'EXIT=2'], args.join(' '));
	}
});

needs('tmux', 'pgrep').serial('a crash in the explorer gives the terminal back, then one line with a hint to report it, exit 70 as in every command', async t => {
	// A fault no input can cause, injected (NODE_OPTIONS=--require): SIGUSR2 throws in the event loop.
	const preload = path.join(temporaryDirectory(t, 'fault'), 'fault.cjs');
	writeFileSync(preload, 'process.on(\'SIGUSR2\', () => { throw new TypeError(\'injected fault\'); });\n');
	// Wide enough for the line not to wrap.
	const session = start(t, 200, 30, checkArgs, `NODE_OPTIONS=${quote(`--require ${preload}`)} KMODX_DEBUG=`);
	await waitFor(session, /1 of 21/);
	const shell = tmux('list-panes', '-t', session.name, '-F', '#{pane_pid}').trim();
	const node = execFileSync(oracleProgram('pgrep'), ['-P', shell], {encoding: 'utf8'}).trim().split('\n')[0]!;
	process.kill(Number(node), 'SIGUSR2');
	const screen = await waitFor(session, /EXIT=70/);
	t.deepEqual(screen.trimEnd().split('\n'), ['kmodx: internal error, please report it as a bug with the command line that caused it: TypeError: injected fault (KMODX_DEBUG=1 shows where)', 'EXIT=70']);
});
