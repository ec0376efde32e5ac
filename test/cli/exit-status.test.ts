import {spawnSync} from 'node:child_process';
import {closeSync, openSync} from 'node:fs';
import test, {type ExecutionContext} from 'ava';
import {temporaryDirectory, writeTemporary} from '../helpers/derive.js';
import {cliPath, fixture, repoRoot} from '../helpers/paths.js';
import {runCli, type CliResult} from '../helpers/run-cli.js';

/*
Issue 25: one exit table for every command (README, "Exit status"): 0, 1 and 3 are verdicts, 2 is
bad usage or input as one `kmodx: …` line, 70 an internal error as one line with a hint to report
it (the stack only with KMODX_DEBUG=1). Each hole found in the CLI contract has its case here,
run through the built binary; the explorer's cases are in test/ui/explorer-e2e.test.ts.
*/

const myDrv = fixture('modules/my_drv-6.1.0-47-amd64.ko');
const nls = fixture('modules/6.1.0-47-amd64/nls_utf8.ko');
const k47 = `47=${fixture('kernels/6.1.0-47-amd64/Module.symvers.gz')}`;
const k56 = `56=${fixture('kernels/6.1.0-56-amd64/Module.symvers.gz')}`;

/** Every command, with arguments it accepts: bad options are appended to these. */
const commands: Array<[string, string[]]> = [
	['check', ['check', myDrv, '-k', k47, '-k', k56]],
	['kmodx MODULE, piped', [myDrv, '-k', k47, '-k', k56]],
	['check of several modules (scan)', ['check', myDrv, nls, '-k', k47, '-k', k56]],
	['plan', ['plan', myDrv, '-k', k47, '-k', k56]],
	['weak-modules', ['weak-modules', myDrv, '--from', k47, '--to', k56]],
	['why', ['why', 'module_layout', '-k', k47, '-k', k56, '--types', `47=${fixture('symtypes/debian-6.1.0-47-amd64.version.symtypes.gz')}`, '--types', `56=${fixture('symtypes/debian-6.1.0-56-amd64.version.symtypes.gz')}`]],
	['kernel diff', ['-k', k47, '-k', k56]],
];

function isBadInput(t: ExecutionContext, result: CliResult, expected: RegExp, what: string): void {
	t.is(result.code, 2, `${what}: ${result.stderr}`);
	t.is(result.stdout, '', what);
	t.regex(result.stderr, /^kmodx: [^\n]*\n$/, `${what}: one line`);
	t.regex(result.stderr, expected, what);
}

test('the verdicts of every command: 0 and 1 as documented', t => {
	const cases: Array<[string[], number]> = [
		[['check', myDrv, '-k', k47], 0], [['check', myDrv, '-k', k56], 1],
		[['plan', myDrv, '-k', k47], 0], [['plan', myDrv, '-k', k47, '-k', k56], 1],
		[['weak-modules', myDrv, '--to', k47], 0], [['weak-modules', myDrv, '--from', k47, '--to', k56], 1],
		[['-k', k47, '-k', `again=${fixture('kernels/6.1.0-47-amd64/Module.symvers.gz')}`], 0], [['-k', k47, '-k', k56], 1],
	];
	for (const [args, status] of cases) {
		const result = runCli(args);
		t.is(result.code, status, `${args.join(' ')}: ${result.stderr}`);
	}
});

// The options are read before the command is chosen (source/cli/options.ts): every variant on
// check, and one of each hole on every command.
const [, checkArgs] = commands[0]!;

test('a value outside an option\'s choices: one line naming the option and its values, exit 2', t => {
	for (const [name, args] of commands) {
		isBadInput(t, runCli([...args, '-f', 'yaml']), /^kmodx: -f\/--format yaml: not one of text, json, markdown\n$/, `${name} -f yaml`);
	}

	isBadInput(t, runCli([...checkArgs, '--format=yaml']), /^kmodx: -f\/--format yaml: not one of text, json, markdown\n$/, '--format=yaml');
	isBadInput(t, runCli([...checkArgs, '--layout', 'bogus']), /^kmodx: --layout bogus: not one of auto, matrix, details\n$/, '--layout bogus');
	isBadInput(t, runCli([...checkArgs, '--missing-version', 'bogus']), /^kmodx: --missing-version bogus: not one of fatal, warn\n$/, '--missing-version bogus');
});

test('an unknown option: one line naming it and the nearest option, exit 2', t => {
	for (const [name, args] of commands) {
		isBadInput(t, runCli([...args, '--kernal', 'x']), /^kmodx: unknown option --kernal: did you mean --kernel\?\n$/, `${name} --kernal`);
	}

	isBadInput(t, runCli([...checkArgs, '--mising-version', 'warn']), /^kmodx: unknown option --mising-version: did you mean --missing-version\?\n$/, '--mising-version');
	isBadInput(t, runCli([...checkArgs, '--jsno']), /^kmodx: unknown option --jsno: did you mean --json\?\n$/, '--jsno');
	isBadInput(t, runCli([...checkArgs, '--no-kernel']), /^kmodx: unknown option --no-kernel: did you mean --kernel\?\n$/, '--no-kernel');
	isBadInput(t, runCli([...checkArgs, '--frobnicate']), /^kmodx: unknown option --frobnicate: kmodx --help lists the options\n$/, '--frobnicate');
	isBadInput(t, runCli([...checkArgs, '-x']), /^kmodx: unknown option -x: the short options are -k, -f, -o and -h/, '-x');
	isBadInput(t, runCli([...checkArgs, '--json=yes']), /^kmodx: --json takes no value \(given "yes"\)\n$/, '--json=yes');
});

test('an option without its value: one line, exit 2, never silently ignored', t => {
	for (const [name, args] of commands) {
		isBadInput(t, runCli([...args, '-k']), /^kmodx: -k\/--kernel needs a value: KERNEL \(\[LABEL=\]SOURCE\)\n$/, `${name} -k`);
	}

	isBadInput(t, runCli([...checkArgs, '--types']), /^kmodx: --types needs a value: LABEL=PATH\n$/, '--types');
	isBadInput(t, runCli([...checkArgs, '-f']), /^kmodx: -f\/--format needs a value: one of text, json, markdown\n$/, '-f');
	// Followed by another option, not by its value.
	isBadInput(t, runCli([...checkArgs, '-o', '--json']), /^kmodx: -o\/--output needs a value: FILE\n$/, '-o --json');
	// After --, everything is a file name.
	isBadInput(t, runCli(['check', '--', '--kernal']), /^kmodx: --kernal: no such file or directory\n$/, 'check -- --kernal');
});

test('a --types label no kernel has: one line naming it and the labels, exit 2, even where only --explain would read it', t => {
	for (const [name, args] of commands.filter(([command]) => command !== 'weak-modules')) {
		isBadInput(t, runCli([...args, '--types', '99=/nonexistent']), /^kmodx: --types 99=\/nonexistent: no kernel is labelled '99' \(labels: 47, 56\)\n$/, name);
	}

	isBadInput(t, runCli(['check', myDrv, '-k', k47, '--types', `47=${temporaryDirectory(t)}/none.btf`]), /^kmodx: .*none\.btf: no such file or directory\n$/, 'a --types path that is not there');
	isBadInput(t, runCli(['weak-modules', myDrv, '--to', k47, '--types', '47=/nonexistent']), /^kmodx: --types is for why, check --explain, plan --explain, the kernel diff and the explorer; weak-modules does not use it\n$/, 'weak-modules --types');
});

/**
A fault no input can cause, injected into the real binary (NODE_OPTIONS=--require): `caught`, the
first write of the report throws, as a bug in a formatter would; `uncaught`, the report is written,
then an exception no command catches is thrown from the event loop.
*/
function inject(t: ExecutionContext, kind: 'caught' | 'uncaught'): NodeJS.ProcessEnv {
	const body = kind === 'caught'
		? 'process.stdout.write = () => { throw new TypeError(\'injected fault\'); };'
		: 'const write = process.stdout.write.bind(process.stdout);\nprocess.stdout.write = (...args) => { setImmediate(() => { throw new TypeError(\'injected fault\'); }); return write(...args); };';
	const preload = writeTemporary(temporaryDirectory(t, 'fault'), 'fault.cjs', `${body}\n`);
	return {NODE_OPTIONS: `--require ${preload}`, KMODX_DEBUG: ''};
}

const internalError = /^kmodx: internal error, please report it as a bug with the command line that caused it: TypeError: injected fault \(KMODX_DEBUG=1 shows where\)\n$/;

test('an internal error: one line with a hint to report it, exit 70, in every command; the stack only with KMODX_DEBUG=1', t => {
	for (const kind of ['caught', 'uncaught'] as const) {
		for (const [name, args] of commands) {
			const result = runCli(args, {env: inject(t, kind)});
			t.is(result.code, 70, `${kind}, ${name}: ${result.stderr}`);
			t.regex(result.stderr, internalError, `${kind}, ${name}`);
		}
	}

	const debug = runCli(commands[0]![1], {env: {...inject(t, 'caught'), KMODX_DEBUG: '1'}});
	t.is(debug.code, 70);
	const [line, ...stack] = debug.stderr.trimEnd().split('\n');
	t.is(line, 'kmodx: internal error, please report it as a bug with the command line that caused it: TypeError: injected fault');
	t.true(stack.length > 1 && stack.every(frame => frame.startsWith('    at ')), debug.stderr);
});

test('standard output that cannot be written (a full disk): one line, exit 2, not an internal error', t => {
	const full = openSync('/dev/full', 'w');
	t.teardown(() => {
		closeSync(full);
	});
	for (const [name, args] of commands) {
		const result = spawnSync(process.execPath, [cliPath, ...args], {cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', full, 'pipe'], env: {...process.env, NO_COLOR: '1'}, timeout: 600_000});
		t.is(result.status, 2, `${name}: ${result.stderr}`);
		t.is(result.stderr, 'kmodx: standard output: cannot write the report: ENOSPC\n', name);
	}
});
