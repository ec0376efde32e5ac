import {copyFileSync, mkdirSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import test, {type ExecutionContext} from 'ava';
import type {CheckReport} from '../../source/engine/check-report.js';
import {firstUnsafe} from '../helpers/controls.js';
import {temporaryDirectory} from '../helpers/derive.js';
import {clipboardSymbol, hostileModule, hostileSymvers, hostileVermagic, symversModule, symversNamespace, symversSymbol, titleName} from '../helpers/hostile.js';
import {fixture} from '../helpers/paths.js';
import {runCli, type CliResult} from '../helpers/run-cli.js';

/*
Names edited into real files (test/helpers/hostile.ts) carry OSC 52, OSC 0, OSC 8, ESC[2J, CR LF,
8-bit CSI and a bidi override. Every text and Markdown output of every command, and every error,
must show them as escapes and send none of them; JSON keeps them exactly (escaped by JSON).
*/

const symvers56 = `56=${fixture('kernels', '6.1.0-56-amd64', 'Module.symvers.gz')}`;
const myDrv = fixture('modules', 'my_drv-6.1.0-47-amd64.ko');

function inputs(t: ExecutionContext) {
	const directory = temporaryDirectory(t, 'hostile');
	const module = hostileModule(directory);
	const kernel47 = `47=${hostileSymvers(directory)}`;
	return {directory, module, kernel47};
}

function assertSafe(t: ExecutionContext, result: CliResult, what: string) {
	t.is(firstUnsafe(result.stdout), undefined, `${what}: stdout`);
	t.is(firstUnsafe(result.stderr), undefined, `${what}: stderr`);
	t.false(result.stderr.includes('    at '), `${what}: no stack trace`);
}

test('check, text: names show their controls as escapes; nothing reaches the terminal', t => {
	const {module, kernel47} = inputs(t);
	const result = runCli(['check', module, '-k', kernel47, '-k', symvers56]);
	t.is(result.code, 1, result.stderr);
	assertSafe(t, result, 'check');
	t.true(result.stdout.includes(String.raw`\x1b]0;T\x07  `), 'the module name, visibly');
	t.true(result.stdout.includes(String.raw`vermagic '\x1b]52;c;Y3VybCBldmlsLmV4YW1wbGV8c2gK\x07\x1b[2J\r\n\x9b\u202eabc'`));
	t.true(result.stdout.includes(String.raw`\x1b]52;c;ZXZpbAo=\x07\r\nabcd`), 'the symbol name');
	t.true(result.stdout.includes(String.raw`\x1b]8;;http://x\x07NS`), 'the namespace from Module.symvers');
	t.true(result.stdout.includes(String.raw`(\x1b]0;S\x07drivers/char/<b>misc)`), 'the exporter column of Module.symvers');
	// One line per entry: the CR LF in names forged no line.
	t.false(result.stdout.split('\n').some(line => line.startsWith('# Injected')));
});

test('check --json keeps every name exactly (JSON escapes it)', t => {
	const {module, kernel47} = inputs(t);
	const result = runCli(['check', module, '-k', kernel47, '-k', symvers56, '--json']);
	t.is(result.code, 1, result.stderr);
	const report = JSON.parse(result.stdout) as CheckReport;
	t.is(report.modules[0]!.name, titleName);
	t.is(report.modules[0]!.vermagic, hostileVermagic);
	t.true(report.modules[0]!.imports.some(entry => entry.name === clipboardSymbol));
	// JSON escapes C0 controls itself; kmodx escapes what JSON leaves raw (C1, bidi) the same way.
	t.is(firstUnsafe(result.stdout), undefined);
	t.true(result.stdout.includes(String.raw`\u001b[2J\r\n\u009b\u202eabc`), 'the vermagic, as JSON escapes');
});

test('check, Markdown: no HTML, no forged heading, row or column; controls shown', t => {
	const {module, kernel47} = inputs(t);
	const result = runCli(['check', module, '-k', kernel47, '-k', symvers56, '--format', 'markdown']);
	t.is(result.code, 1, result.stderr);
	assertSafe(t, result, 'markdown');
	const lines = result.stdout.split('\n');
	t.false(lines.some(line => /^#+ Injected/.test(line)), 'no heading from a symbol name');
	// Code spans (fenced by a run of backticks, closed by a run as long) hold text only.
	const outside = result.stdout.replaceAll(/(?<!`)(`+)(?!`)[\s\S]*?(?<!`)\1(?!`)/g, '');
	t.false(/<(?!br>)/.test(outside), 'no HTML outside code spans');
	t.false(/\]\(js:/.test(outside), 'no link outside code spans');
	t.true(lines.includes(String.raw`## \\x1b\]0;T\\x07`), 'the heading escapes the module name');
	// Every table row has as many unescaped | as its header.
	let columns = 0;
	for (const line of lines) {
		const pipes = line.replaceAll('\\|', '').split('|').length - 1;
		if (line.startsWith('|---')) {
			columns = pipes;
		} else if (line.startsWith('| ') && columns > 0) {
			t.is(pipes, columns, line);
		} else if (line === '') {
			columns = 0;
		}
	}
});

test('check of a directory: the matrix and the streamed details, text and Markdown', t => {
	const {directory, kernel47} = inputs(t);
	const modules = path.join(directory, 'modules');
	mkdirSync(modules);
	hostileModule(modules, 'hostile.ko');
	copyFileSync(myDrv, path.join(modules, 'my_drv.ko'));
	for (const extra of [[], ['--format', 'markdown'], ['--layout', 'details'], ['--layout', 'details', '--format', 'markdown']]) {
		const result = runCli(['check', modules, '-k', kernel47, '-k', symvers56, ...extra]);
		t.is(result.code, 1, result.stderr);
		assertSafe(t, result, extra.join(' ') || 'matrix');
		t.true(result.stdout.includes(String.raw`\x1b]0;T\x07`) || result.stdout.includes(String.raw`\\x1b\]0;T\\x07`), extra.join(' '));
	}
});

test('plan and weak-modules, text and Markdown', t => {
	const {module, kernel47} = inputs(t);
	for (const args of [['plan', module, '-k', kernel47, '-k', symvers56], ['weak-modules', module, '--from', kernel47, '--to', symvers56]]) {
		for (const extra of [[], ['--format', 'markdown']]) {
			const result = runCli([...args, ...extra]);
			t.true(result.code === 1 || result.code === 0, result.stderr);
			assertSafe(t, result, `${args[0]!} ${extra.join(' ')}`);
			t.true(result.stdout.includes(String.raw`\x1b]0;T\x07`) || result.stdout.includes(String.raw`\\x1b\]0;T\\x07`), `${args[0]!} ${extra.join(' ')}: ${result.stdout}`);
		}
	}
});

test('the kernel diff, text and Markdown: symbol, module column and namespace of Module.symvers', t => {
	const {kernel47} = inputs(t);
	const text = runCli(['-k', kernel47, '-k', symvers56]);
	t.is(text.code, 1, text.stderr);
	assertSafe(t, text, 'diff');
	t.true(text.stdout.includes(String.raw`kthread_stop\x1b[2J\x9b`), 'the renamed symbol, visibly');
	t.true(symversSymbol.startsWith('kthread_stop'));
	const markdown = runCli(['-k', kernel47, '-k', symvers56, '--format', 'markdown']);
	t.is(markdown.code, 1, markdown.stderr);
	assertSafe(t, markdown, 'diff markdown');
	t.true(markdown.stdout.includes('drivers/char/&lt;b&gt;misc'), 'the module column, HTML escaped');
	t.false(markdown.stdout.includes('<b>'));
	t.true(symversModule.includes('<b>') && symversNamespace.includes('NS'));
});

test('why and the one-line errors quote input with its controls shown', t => {
	const {directory, kernel47} = inputs(t);
	const why = runCli(['why', '\u001B]52;c;eA==\u0007\r\n', '-k', kernel47, '-k', symvers56]);
	t.is(why.code, 2);
	assertSafe(t, why, 'why');
	t.regex(why.stderr, /^kmodx: \\x1b\]52;c;eA==\\x07\\r\\n is not exported by 47 /);
	t.is(why.stderr.split('\n').length, 2);
	const bad = path.join(directory, 'evil\u001B]0;T\u0007\r\n.ko');
	writeFileSync(bad, 'not an ELF file');
	const result = runCli(['check', bad, '-k', kernel47]);
	t.is(result.code, 2);
	assertSafe(t, result, 'error');
	t.is(result.stderr.split('\n').length, 2, result.stderr);
	t.true(result.stderr.includes(String.raw`evil\x1b]0;T\x07\r\n.ko: `), result.stderr);
	t.is(result.stdout, '');
});
