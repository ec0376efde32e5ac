import {spawnSync} from 'node:child_process';
import {readFileSync} from 'node:fs';
import test from 'ava';
import {atExit, readGzipText, temporaryDirectory, writeTemporary} from '../helpers/derive.js';
import {needs, oracleProgram} from '../helpers/oracles.js';
import {fixture} from '../helpers/paths.js';
import {runCli} from '../helpers/run-cli.js';

const symvers = {47: fixture('kernels/6.1.0-47-amd64/Module.symvers.gz'), 56: fixture('kernels/6.1.0-56-amd64/Module.symvers.gz')};
const kernels = ['-k', `47=${symvers[47]}`, '-k', `56=${symvers[56]}`];
const severities = fixture('kabi/severities');
const stablelist = fixture('kabi/kabi_stablelist_x86_64');

type Change = {name: string; change: string[]; tolerated: boolean | null; rule: string | null};
type Report = {summary: Record<string, number>; rules?: {kind: string}; changes: Change[]};

/** The bash + awk reference (test/fixtures/kabi/ksymvers-reference.sh): "SYMBOL PASS|FAIL" for each judged change. */
function reference(rules: string): Map<string, string> {
	const result = spawnSync('bash', [fixture('kabi/ksymvers-reference.sh'), symvers[47], symvers[56], rules], {encoding: 'utf8', maxBuffer: 64 * 1024 * 1024});
	if (result.status !== 0) {
		throw new Error(result.stderr);
	}

	return new Map(result.stdout.trim().split('\n').map(line => line.split(' ') as [string, string]));
}

/** What kmodx decided for every change that is not an addition (additions are tolerated without a rule). */
function decisions(report: Report): Map<string, string> {
	return new Map(report.changes.filter(change => !change.change.includes('added')).map(change => [change.name, change.tolerated ? 'PASS' : 'FAIL']));
}

test('severity rules: each change of Debian 47 → 56 is tolerated or not exactly as the shell reference judges it', t => {
	const result = runCli([...kernels, '--rules', severities, '--json']);
	t.is(result.code, 1, result.stderr);
	const report = JSON.parse(result.stdout) as Report;
	t.is(report.rules?.kind, 'severities');
	const expected = reference(severities);
	t.is(expected.size, 18_273);
	t.deepEqual(decisions(report), expected);
	t.is(report.summary['not_tolerated'], [...expected.values()].filter(value => value === 'FAIL').length);
	t.is(report.summary['tolerated'], [...expected.values()].filter(value => value === 'PASS').length + report.summary['added']!);
	// Each decision names its rule: the line of the file, or the default.
	const layout = report.changes.find(change => change.name === 'module_layout')!;
	t.deepEqual([layout.tolerated, layout.rule], [false, `${severities}:6: vmlinux FAIL`]);
	const added = report.changes.find(change => change.change.includes('added'))!;
	t.deepEqual([added.tolerated, added.rule], [true, 'implicit: an addition is tolerated']);
	// Text and Markdown say the same.
	const text = runCli([...kernels, '--rules', severities]).stdout;
	t.regex(text, /rules .*severities: 14,695 changes not tolerated, 3,662 tolerated\n/);
	t.regex(text, /\n {2}module_layout +0x160c03af → 0x9060323f {2}vmlinux +✗ not tolerated \(.*severities:6: vmlinux FAIL\)\n/);
	const markdown = runCli([...kernels, '--rules', severities, '--format', 'markdown']).stdout;
	t.regex(markdown, /\| `module_layout` \| crc \| 0x160c03af \| 0x9060323f \| vmlinux \| ✗ not tolerated \(.*severities:6: vmlinux FAIL\) \|/);
});

test('every rule form of suse-kabi-tools(5) on Debian 47 → 56: kmodx fails exactly the exports SUSE\'s ksymvers and the shell reference fail', t => {
	const rules = fixture('kabi/severities-every-form');
	// What ksymvers (0c6c5c0) printed with --format symbols: the changes it does not tolerate
	// (scripts/record-ksymvers.sh remakes it).
	const ksymvers = readGzipText(fixture('kabi/ksymvers-0c6c5c0-47-56-every-form.gz')).trim().split('\n');
	const expected = reference(rules);
	const referenceFails = [...expected].filter(([, verdict]) => verdict === 'FAIL').map(([name]) => name).sort();
	t.deepEqual(referenceFails, ksymvers, 'the two references agree');
	const result = runCli([...kernels, '--rules', rules, '--json']);
	t.is(result.code, 1, result.stderr);
	const report = JSON.parse(result.stdout) as Report;
	t.deepEqual(decisions(report), expected);
	const fails = report.changes.filter(change => change.tolerated === false).map(change => change.name).sort();
	t.is(fails.length, 9198);
	t.deepEqual(fails, ksymvers);
	// Rules of each form decide something, as the file's comments say.
	const rule = (name: string) => report.changes.find(change => change.name === name)?.rule?.replace(`${rules}:`, '');
	t.is(rule('iwl_opmode_register'), '5: MODULE drivers/net/wireless/intel/* FAIL'); // before NAMESPACE IWLWIFI
	t.is(rule('cxl_bus_type'), '7: NAMESPACE CXL PASS');
	t.is(rule('DAC1064_global_init'), '9: SYMBOL DAC1064_* PASS'); // capitals, yet a symbol
	t.is(rule('__put_task_struct'), '26: vmlinux FAIL'); // __* is a namespace rule: it does not catch __put_task_struct
	t.is(rule('kvm_vcpu_kick'), '19: kvm_* PASS');
	t.is(rule('mlx5_core_create_cq'), '22: mlx[]5-]_* FAIL');
	t.is(rule('mlx4_bf_alloc'), '23: \\m\\l\\x4_* PASS');
	t.is(rule('usb_stor_probe1'), '24: * PASS'); // * is a namespace rule: USB_STORAGE
	t.is(rule('scsi_add_device'), '25: drivers/* PASS');
});

test('Module.symvers with columns separated by spaces (as suse-kabi-tools reads them) is read like the kernel\'s tabs', t => {
	const directory = temporaryDirectory(t);
	// Debian's files re-encoded: each tab a run of spaces (and a tab), lines indented.
	const spaced = (kernel: 47 | 56) => writeTemporary(directory, `${kernel}.symvers`, readGzipText(symvers[kernel]).split('\n').map((line, index) => line === '' ? line : `${index % 3 === 0 ? '  ' : ''}${line.replaceAll('\t', index % 2 === 0 ? '   ' : ' \t ')}`).join('\n'));
	const rules = fixture('kabi/severities-every-form');
	const tabs = JSON.parse(runCli([...kernels, '--rules', rules, '--json']).stdout) as Report;
	const result = runCli(['-k', `47=${spaced(47)}`, '-k', `56=${spaced(56)}`, '--rules', rules, '--json']);
	t.is(result.code, 1, result.stderr);
	const report = JSON.parse(result.stdout) as Report;
	t.deepEqual(report.summary, tabs.summary);
	t.deepEqual(decisions(report), reference(rules));
	t.deepEqual(report.changes.map(change => [change.name, change.tolerated]), tabs.changes.map(change => [change.name, change.tolerated]));
});

test('exit status counts only what the rules do not tolerate', t => {
	const directory = temporaryDirectory(atExit, 'rules');
	const everything = writeTemporary(directory, 'pass-all', '# every change is fine\n*/* PASS\nvmlinux PASS\n');
	const result = runCli([...kernels, '--rules', everything, '--json']);
	t.is(result.code, 0, result.stderr);
	const report = JSON.parse(result.stdout) as Report;
	t.is(report.summary['not_tolerated'], 0);
	t.true(report.changes.every(change => change.tolerated === true));
	// A bad rules file is bad input: one line, exit 2.
	const bad = writeTemporary(directory, 'bad', 'vmlinux MAYBE\n');
	const refused = runCli([...kernels, '--rules', bad]);
	t.is(refused.code, 2);
	t.regex(refused.stderr, /^kmodx: .*bad: line 1: unknown verdict "MAYBE", must be PASS or FAIL: "vmlinux MAYBE"$/m);
	t.is(refused.stderr.trim().split('\n').length, 1);
});

test('a Red Hat stablelist: changes to listed symbols fail, every other is tolerated (the same as severities listing them FAIL, then * PASS)', t => {
	const result = runCli([...kernels, '--rules', stablelist, '--json']);
	t.is(result.code, 1, result.stderr);
	const report = JSON.parse(result.stdout) as Report;
	t.is(report.rules?.kind, 'stablelist');
	const listed = ['__kmalloc', 'alloc_netdev_mqs', 'kfree', 'misc_deregister', 'misc_register', 'module_layout', 'noop_llseek', 'printk', '_printk', 'wake_up_process'];
	const equivalent = writeTemporary(temporaryDirectory(atExit, 'rules'), 'equivalent', [...listed.map(symbol => `${symbol} FAIL`), 'SYMBOL * PASS', ''].join('\n'));
	t.deepEqual(decisions(report), reference(equivalent));
	t.deepEqual(report.changes.filter(change => change.tolerated === false).map(change => change.name).sort(), ['alloc_netdev_mqs', 'misc_deregister', 'misc_register', 'module_layout', 'noop_llseek', 'wake_up_process']);
});

needs('modprobe')('check --rules STABLELIST: the imports off the list, as modprobe --dump-modversions and the list say, in text and JSON', t => {
	const module = fixture('modules/my_drv-6.1.0-47-amd64.ko');
	// The reference: the names kmod lists in __versions (my_drv has no unversioned imports), minus the list's.
	const dump = spawnSync(oracleProgram('modprobe'), ['--dump-modversions', module], {encoding: 'utf8'}).stdout.trim().split('\n').map(line => line.split('\t')[1]!);
	const listed = new Set(readFileSync(stablelist, 'utf8').split('\n').slice(1).map(line => line.trim()).filter(Boolean));
	const expected = dump.filter(name => !listed.has(name)).sort();
	const result = runCli(['check', module, '-k', `56=${symvers[56]}`, '--rules', stablelist, '--json']);
	t.is(result.code, 1, result.stderr);
	const usage = (JSON.parse(result.stdout) as {modules: Array<{stablelist: {list: string; used: number; not_stablelisted: string[]; share_not_stablelisted: number}}>}).modules[0]!.stablelist;
	t.is(usage.list, 'rhel9_x86_64_stablelist');
	t.is(usage.used, dump.length);
	t.deepEqual(usage.not_stablelisted, expected);
	t.is(usage.share_not_stablelisted, expected.length / dump.length);
	const text = runCli(['check', module, '-k', `56=${symvers[56]}`, '--rules', stablelist]).stdout;
	t.true(text.includes(`my_drv: kABI stablelist rhel9_x86_64_stablelist: ${dump.length} symbols used, ${expected.length} not stablelisted (${Math.round(expected.length / dump.length * 100)}%): ${expected.join(', ')}\n`));
	// Severity rules say nothing about one module: refused, not ignored.
	const refused = runCli(['check', module, '-k', `56=${symvers[56]}`, '--rules', severities]);
	t.is(refused.code, 2);
	t.regex(refused.stderr, /check takes a kABI stablelist/);
});

/** Issue 22, finding 2: rules files crafted to hang the matcher or exhaust memory. */
test('a pattern with many stars against a 100-character name is decided', t => {
	const directory = temporaryDirectory(t);
	// The real 47 and 56 lines of misc_register, and the same export under a 100-character name.
	const line = (kernel: 47 | 56) => readGzipText(symvers[kernel]).split('\n').find(entry => entry.split('\t')[1] === 'misc_register')!;
	const long = 'a'.repeat(100);
	const before = writeTemporary(directory, '47.symvers', `${line(47)}\n${line(47).replace('misc_register', long)}\n`);
	const after = writeTemporary(directory, '56.symvers', `${line(56)}\n${line(56).replace('misc_register', long)}\n`);
	const rules = writeTemporary(directory, 'rules', '*a*a*a*a*a*a*a*a*b PASS\nmisc_* PASS\n');
	const result = runCli(['-k', `47=${before}`, '-k', `56=${after}`, '--rules', rules, '--json']);
	t.is(result.code, 1, result.stderr);
	const report = JSON.parse(result.stdout) as Report;
	const decided = new Map(report.changes.map(change => [change.name, [change.tolerated, change.rule]]));
	t.deepEqual(decided, new Map([
		[long, [false, `${rules}: no rule matches (FAIL)`]],
		['misc_register', [true, `${rules}:2: misc_* PASS`]],
	]));
});

test('a 15 MB rules file of 792,000 lines is read and used; past 16 MiB or a million rules it is refused in one line', t => {
	const directory = temporaryDirectory(t);
	// The shape of the probe: names like the kernel's, each with a verdict, misc_register's last.
	const lines = Array.from({length: 792_000}, (_, index) => `export_${String(index).padStart(6, '0')} PASS`);
	lines.push('misc_register FAIL', 'SYMBOL * PASS');
	const big = writeTemporary(directory, 'big', `${lines.join('\n')}\n`);
	const result = runCli([...kernels, '--rules', big, '--json']);
	t.is(result.code, 1, result.stderr);
	const report = JSON.parse(result.stdout) as Report;
	t.deepEqual(report.changes.filter(change => change.tolerated === false).map(change => [change.name, change.rule]), [['misc_register', `${big}:792001: misc_register FAIL`]]);
	const huge = writeTemporary(directory, 'huge', 'x PASS\n'.repeat((16 * 1024 * 1024 / 7) + 1));
	const refused = runCli([...kernels, '--rules', huge]);
	t.is(refused.code, 2);
	t.is(refused.stderr, `kmodx: ${huge}: larger than 16 MiB: not a kABI rules file (limit)\n`);
	const many = writeTemporary(directory, 'many', 'x PASS\n'.repeat(1_000_001));
	const tooMany = runCli([...kernels, '--rules', many]);
	t.is(tooMany.code, 2);
	t.is(tooMany.stderr, `kmodx: ${many}: line 1000001: more than 1,000,000 rules: not a kABI rules file (limit)\n`);
	t.is(tooMany.stdout, '');
});
