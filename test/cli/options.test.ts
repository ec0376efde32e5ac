import test from 'ava';
import {fastParse, parseWithMeow} from '../../source/cli/options.js';
import {fixture} from '../helpers/paths.js';
import {runCli} from '../helpers/run-cli.js';

const agree = [
	['check', 'a.ko'],
	['check', 'a.ko', 'b.ko', '-k', '47=/x/Module.symvers', '-k', '/y'],
	['a.ko', '--kernel', 'x', '--kernel=y', '--json', '-o', 'out.json', '--force'],
	['check', 'dir', '-f', 'markdown', '--missing-version', 'warn', '--explain', '--types', 'a=b.btf', '--types=c=d.symtypes'],
	['why', 'module_layout', '-k', 'a', '-k', 'b', '--format=json'],
	['-k', 'a', '-k', 'b'],
	['check', 'dir', '-k', 'a', '-k', 'b', '--fail-on', 'crc,missing', '--layout', 'matrix'],
	['plan', 'm.ko', '-k', 'a', '-k', 'b', '--json', '--explain'],
	['weak-modules', 'dir', '--from', 'a', '--to=b', '--fail-on=none'],
	[],
];

for (const argv of agree) {
	test(`the fast parser and meow agree: ${argv.join(' ') || '(nothing)'}`, async t => {
		const fast = fastParse(argv);
		t.truthy(fast);
		t.deepEqual(fast, await parseWithMeow(argv));
	});
}

test('everything else goes to meow: help, version, negations, unknown flags, bad choices', t => {
	for (const argv of [['--help'], ['--version'], ['a.ko', '--no-color'], ['a.ko', '--frobnicate'], ['a.ko', '-f', 'yaml'], ['a.ko', '--missing-version', 'maybe'], ['a.ko', '--json=yes'], ['a.ko', '--layout', 'grid']]) {
		t.is(fastParse(argv), undefined, argv.join(' '));
	}
});

test('--help (or -h) for every command: its own usage, status 0, nothing read', t => {
	for (const [command, usage] of [['check', 'kmodx check MODULE|DIR… [-k KERNEL]…'], ['plan', 'kmodx plan MODULE|DIR… -k KERNEL…'], ['why', 'kmodx why SYMBOL -k FROM -k TO'], ['weak-modules', 'kmodx weak-modules MODULE|DIR… --to KERNEL [--from KERNEL]']] as const) {
		for (const flag of ['--help', '-h']) {
			const result = runCli([command, flag, '-k', '/nonexistent']);
			t.is(result.code, 0, `${command} ${flag}: ${result.stderr}`);
			t.is(result.stderr, '');
			t.true(result.stdout.startsWith(`  Usage\n    $ ${usage}`), result.stdout);
			t.regex(result.stdout, /\n {2}Exit status\n/);
		}
	}

	for (const argv of [['--help'], ['-k', 'a', '--help'], ['my.ko', '-h']]) {
		const result = runCli(argv);
		t.is(result.code, 0, argv.join(' '));
		t.regex(result.stdout, /^\n {2}Will this kernel module load on that kernel\?.*\n\n {2}Usage\n {4}\$ kmodx \[check\] MODULE\|DIR…/);
	}

	// After --, it is a file name.
	t.is(runCli(['check', '--', '--help']).code, 2);
});

test('why --help says what kmodx runs, from which inputs, and that they must be trusted like a build; --explain points there', t => {
	const why = runCli(['why', '--help']).stdout.replaceAll(/\s+/g, ' ');
	t.regex(why, /What it runs: to make symtypes, make with the headers directory's own Makefiles/);
	t.regex(why, /the exporting file of a source tarball or tree \(--types, or \/usr\/src\/linux-source-\* found by itself\)/);
	t.regex(why, /never a shell line/);
	t.regex(why, /trust these inputs as you would a build/);
	for (const command of ['check', 'plan']) {
		t.regex(runCli([command, '--help']).stdout.replaceAll(/\s+/g, ' '), /may run make.*kmodx why --help/, command);
	}
});

test('words: singular and plural, "both kernels", and the plan\'s kernel count', t => {
	const symvers = (release: string) => fixture('kernels', release, 'Module.symvers.gz');
	const myDrv = fixture('modules/my_drv-6.1.0-47-amd64.ko');
	const one = runCli(['check', myDrv, '-k', `47=${symvers('6.1.0-47-amd64')}`]);
	t.regex(one.stdout, /\n✓ 1 module loads on 1 kernel\n$/);
	const two = runCli(['check', fixture('modules/6.1.0-47-amd64/nls_utf8.ko'), fixture('modules/6.1.0-47-amd64/dummy.ko'), '-k', `a=${symvers('6.1.0-47-amd64')}`, '-k', `b=${symvers('6.1.0-47-amd64')}`]);
	t.regex(two.stdout, /\n✓ 2 modules load on both kernels\n$/);
	const plan = runCli(['plan', myDrv, '-k', `47=${symvers('6.1.0-47-amd64')}`]);
	t.regex(plan.stdout, / · 1 kernel\n/);
	t.notRegex(plan.stdout, /1 kernels/);
	const failing = runCli(['check', myDrv, '-k', `56=${symvers('6.1.0-56-amd64')}`]);
	t.regex(failing.stdout, /\n✗ 1 of 1 module × kernel combination fails to load\n$/);
});
