import {existsSync, readFileSync, readdirSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import test, {type ExecutionContext} from 'ava';
import type {CheckReport} from '../../source/engine/check-report.js';
import {readGzipText, temporaryDirectory, writeTemporary} from '../helpers/derive.js';
import {needs} from '../helpers/oracles.js';
import {corpus, fixture} from '../helpers/paths.js';
import {runCli} from '../helpers/run-cli.js';

const myDrv = fixture('modules/my_drv-6.1.0-47-amd64.ko');
const symvers = (release: string) => fixture('kernels', release, 'Module.symvers.gz');
const mismatches = ['debugfs_create_file', 'debugfs_remove', 'kmalloc_caches', 'kmalloc_trace', 'kthread_create_on_node', 'kthread_stop', 'misc_deregister', 'misc_register', 'module_layout', 'noop_llseek', 'wake_up_process'];

function corpusFolder(t: ExecutionContext, release: string): string {
	// A folder like the corpus ones: Module.symvers (or only a gzip'd one) and the config.
	const directory = temporaryDirectory(t);
	if (release === '6.1.0-50-amd64') {
		writeTemporary(directory, 'Module.symvers.gz', readFileSync(symvers(release)));
	} else {
		writeTemporary(directory, 'Module.symvers', readGzipText(symvers(release)));
		writeTemporary(directory, 'config', readGzipText(fixture('kernels', release, 'config.gz')));
	}

	return directory;
}

function verdicts(report: CheckReport) {
	return report.modules[0]!.results.map(result => ({
		kernel: result.kernel,
		loads: result.loads,
		stops_at: result.stops_at,
		first: result.first_failure?.log,
		crc: result.problems.filter(p => p.kind === 'crc').map(p => p.symbol).sort(),
		other: result.problems.filter(p => p.kind !== 'crc').length,
	}));
}

const expected = [
	{kernel: '47', loads: true, stops_at: null, first: undefined, crc: [], other: 0},
	{kernel: '50', loads: false, stops_at: 'module_layout', first: ['my_drv: disagrees about version of symbol module_layout'], crc: mismatches, other: 0},
	{kernel: '56', loads: false, stops_at: 'module_layout', first: ['my_drv: disagrees about version of symbol module_layout'], crc: mismatches, other: 0},
];

test('my_drv on 47, 50 (gzip only) and 56 as Module.symvers: loads on 47, module_layout + 11 mismatches on 50 and 56', t => {
	const result = runCli(['check', myDrv, '-k', `47=${symvers('6.1.0-47-amd64')}`, '-k', `50=${symvers('6.1.0-50-amd64')}`, '-k', `56=${symvers('6.1.0-56-amd64')}`, '--json']);
	t.is(result.code, 1, result.stderr);
	const report = JSON.parse(result.stdout) as CheckReport;
	t.is(report.schema, 'kmodx.check/1');
	t.deepEqual(verdicts(report), expected);
	t.deepEqual(report.modules[0]!.groups, [['47'], ['50'], ['56']]);
	t.is(report.modules[0]!.imports.find(i => i.name === 'module_layout')?.crc, '0x160c03af');
	t.is(report.modules[0]!.imports.length, 21);
});

test('the same verdicts from corpus-style folders', t => {
	const result = runCli(['check', myDrv, '-k', `47=${corpusFolder(t, '6.1.0-47-amd64')}`, '-k', `50=${corpusFolder(t, '6.1.0-50-amd64')}`, '-k', `56=${corpusFolder(t, '6.1.0-56-amd64')}`, '--json']);
	t.is(result.code, 1, result.stderr);
	const report = JSON.parse(result.stdout) as CheckReport;
	t.deepEqual(verdicts(report), expected);
	t.is(report.kernels[0]!.kind, 'headers');
});

needs('corpus')('the same verdicts from the vmlinuz images of 47 and 56', t => {
	const env = {KMODX_CACHE_DIR: temporaryDirectory(t)};
	const kernels = ['-k', `47=${corpus('kernels/debian-6.1.0-47-amd64/vmlinuz')}`, '-k', `56=${corpus('kernels/debian-6.1.0-56-amd64/vmlinuz')}`];
	for (const run of ['cold cache', 'warm cache']) {
		const result = runCli(['check', myDrv, ...kernels, '--json'], {env});
		t.is(result.code, 1, `${run}: ${result.stderr}`);
		const report = JSON.parse(result.stdout) as CheckReport;
		t.deepEqual(verdicts(report), [expected[0], expected[2]], run);
		t.is(report.kernels[1]!.kind, 'vmlinuz');
		t.is(report.kernels[1]!.release, '6.1.0-56-amd64');
	}
});

test('exit 0 when everything loads; text report names the kernel and verdict', t => {
	const result = runCli(['check', myDrv, '-k', `47=${symvers('6.1.0-47-amd64')}`]);
	t.is(result.code, 0, result.stderr);
	t.regex(result.stdout, /✓ 47 +loads/);
	t.regex(result.stdout, /✓ 1 module loads on 1 kernel/);
});

test('without a command and with stdout not a terminal, `kmodx MODULE` is `check`', t => {
	const result = runCli([myDrv, '-k', `56=${symvers('6.1.0-56-amd64')}`]);
	t.is(result.code, 1);
	t.regex(result.stdout, /✗ 56 +fails at module_layout \(11 CRC mismatches\)/);
	t.regex(result.stdout, /dmesg: my_drv: disagrees about version of symbol module_layout/);
});

test('directories are searched recursively; every module gets its verdicts', t => {
	const result = runCli(['check', fixture('modules/6.1.0-47-amd64'), '-k', `47=${symvers('6.1.0-47-amd64')}`, '--json']);
	t.is(result.code, 0, result.stderr);
	const report = JSON.parse(result.stdout) as CheckReport;
	t.deepEqual(report.modules.map(m => m.name).sort(), ['cxl_pci', 'dummy', 'nls_utf8', 'uas', 'usb_storage']);
});

test('markdown report and -o: written once, never overwritten without --force', t => {
	const directory = temporaryDirectory(t);
	const output = path.join(directory, 'report.md');
	const args = ['check', myDrv, '-k', `47=${symvers('6.1.0-47-amd64')}`, '-k', `56=${symvers('6.1.0-56-amd64')}`, '--format', 'markdown', '-o', output];
	t.is(runCli(args).code, 1);
	const markdown = readFileSync(output, 'utf8');
	t.regex(markdown, /^# kmodx check report/);
	t.regex(markdown, /\| 56 \| ✗ fails at module_layout \(11 CRC mismatches\) \| `my_drv: disagrees about version of symbol module_layout` \|/);
	t.regex(markdown, /\| crc \| `misc_register` \| `0xf2c48af4` \| `0x844c8938` \| `vmlinux` \|/);
	writeFileSync(output, 'keep me');
	const refused = runCli(args);
	t.is(refused.code, 2);
	t.is(refused.stderr, `kmodx: ${output}: already exists (use --force to overwrite)\n`);
	t.is(readFileSync(output, 'utf8'), 'keep me');
	t.is(runCli([...args, '--force']).code, 1);
	t.is(readFileSync(output, 'utf8'), markdown);
	t.deepEqual(readdirSync(directory), ['report.md']);
});

test('bad input: exit 2, one line naming the file, no stack trace, nothing written', t => {
	const directory = temporaryDirectory(t);
	const garbage = writeTemporary(directory, 'garbage.ko', 'this is not an ELF file at all\n');
	const truncated = writeTemporary(directory, 'truncated.ko', readFileSync(myDrv).subarray(0, 3000));
	const badSymvers = writeTemporary(directory, 'Module.symvers', '0x12345678\tfoo\tvmlinux\tEXPORT_SYMBOL\t\nnonsense line\n');
	const empty = writeTemporary(directory, 'empty.symvers', '');
	const output = path.join(directory, 'out.json');
	const cases: Array<[string[], RegExp]> = [
		[['check', garbage, '-k', symvers('6.1.0-47-amd64')], /garbage\.ko: not an ELF file/],
		[['check', truncated, '-k', symvers('6.1.0-47-amd64')], /truncated\.ko: /],
		[['check', myDrv, '-k', badSymvers, '-o', output], /Module\.symvers: line 2: expected a CRC/],
		[['check', myDrv, '-k', empty], /empty\.symvers: no exports: empty Module\.symvers/],
		[['check', myDrv, '-k', fixture('modules/6.1.0-47-s390x/nls_utf8.ko')], /nls_utf8\.ko: is a kernel module, not a kernel image/],
		[['check', path.join(directory, 'missing.ko'), '-k', symvers('6.1.0-47-amd64')], /missing\.ko: no such file or directory/],
		[['check', myDrv, '-k', 'a=' + symvers('6.1.0-47-amd64'), '-k', 'a=' + symvers('6.1.0-56-amd64')], /two kernels are labelled 'a'/],
		[['check', directory + '/none', '-k', symvers('6.1.0-47-amd64')], /no such file/],
		[['check'], /no module given/],
	];
	for (const [args, pattern] of cases) {
		const result = runCli(args);
		t.is(result.code, 2, args.join(' '));
		t.regex(result.stderr, pattern);
		t.regex(result.stderr, /^kmodx: [^\n]*\n$/, 'exactly one line');
		t.is(result.stdout, '');
		t.false(result.stderr.includes('    at '), 'no stack trace');
	}

	t.false(existsSync(output));
	const unknownFlag = runCli(['check', myDrv, '--frobnicate']);
	t.is(unknownFlag.code, 2);
});

test('a bad module among several: exit 2 and nothing on stdout, in every format', t => {
	const directory = temporaryDirectory(t);
	for (const name of ['a-dummy.ko', 'b-nls_utf8.ko']) {
		writeTemporary(directory, name, readFileSync(fixture('modules/6.1.0-47-amd64', name.slice(2))));
	}

	writeTemporary(directory, 'z-broken.ko', readFileSync(myDrv).subarray(0, 2000));
	const output = temporaryDirectory(t);
	for (const format of [['--json'], ['--format', 'markdown', '--layout', 'details'], ['--layout', 'details'], []]) {
		const result = runCli(['check', directory, '-k', `47=${symvers('6.1.0-47-amd64')}`, ...format]);
		t.is(result.code, 2, format.join(' '));
		t.is(result.stdout, '', format.join(' '));
		t.regex(result.stderr, /^kmodx: .*z-broken\.ko: [^\n]*\n$/);
		// With -o the report streams into a temporary file beside the target: it goes too.
		const written = runCli(['check', directory, '-k', `47=${symvers('6.1.0-47-amd64')}`, ...format, '-o', path.join(output, 'report')]);
		t.is(written.code, 2);
		t.deepEqual(readdirSync(output), [], format.join(' '));
	}
});

test('several modules with -o: streamed into the file, the same report as on stdout; never over an existing file', t => {
	const output = path.join(temporaryDirectory(t), 'report.json');
	const args = ['check', fixture('modules/6.1.0-47-amd64'), myDrv, '-k', `47=${symvers('6.1.0-47-amd64')}`, '-k', `56=${symvers('6.1.0-56-amd64')}`, '--json'];
	const written = runCli([...args, '-o', output]);
	t.is(written.code, 1, written.stderr);
	t.is(written.stdout, '');
	const printed = runCli(args);
	t.is(readFileSync(output, 'utf8'), printed.stdout);
	// Several modules: the document indented, each module on one line.
	const lines = printed.stdout.split('\n');
	t.is(lines.filter(line => line.startsWith('    {"path":')).length, 6);
	t.is((JSON.parse(printed.stdout) as CheckReport).modules.length, 6);
	const again = runCli([...args, '-o', output]);
	t.is(again.code, 2);
	t.regex(again.stderr, /report\.json: already exists \(use --force to overwrite\)/);
	t.deepEqual(readdirSync(path.dirname(output)), ['report.json']);
	t.is(runCli([...args, '-o', output, '--force']).code, 1);
	t.deepEqual(readdirSync(path.dirname(output)), ['report.json']);
});
