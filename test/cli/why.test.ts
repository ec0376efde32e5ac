import test from 'ava';
import type {Explanation} from '../../source/typediff/explanation.js';
import type {CheckReport} from '../../source/engine/check-report.js';
import {temporaryDirectory} from '../helpers/derive.js';
import {headers47, headers56, needs} from '../helpers/oracles.js';
import {corpus, fixture} from '../helpers/paths.js';
import {runCli} from '../helpers/run-cli.js';

const kernels = ['-k', `47=${fixture('kernels/6.1.0-47-amd64/Module.symvers.gz')}`, '-k', `56=${fixture('kernels/6.1.0-56-amd64/Module.symvers.gz')}`];
const symtypes = ['--types', `47=${fixture('symtypes/debian-6.1.0-47-amd64.version.symtypes.gz')}`, '--types', `56=${fixture('symtypes/debian-6.1.0-56-amd64.version.symtypes.gz')}`];
const btf = ['--types', `47=${fixture('btf/debian-6.1.0-47-amd64.btf.gz')}`, '--types', `56=${fixture('btf/debian-6.1.0-56-amd64.btf.gz')}`];
const six = ['struct key', 'struct key_tag', 'struct keyring_index_key', 'struct mm_struct', 'struct task_struct', 'struct user_struct'];
const sixMembers = ['struct key (anonymous).(anonymous).domain_id', 'struct key (anonymous).(anonymous).type_id', 'struct key_tag index_id', 'struct keyring_index_key domain_id', 'struct keyring_index_key type_id', 'struct mm_struct (anonymous).futex_unique_id', 'struct task_struct kstack_offset', 'struct task_struct user_dumpable', 'struct user_struct perf_mlock'];
const members = (explanation: Explanation) => explanation.changes.filter(c => c.kind === 'member_added').map(c => `${c.type} ${c.member!}`);

test('why module_layout from the two kernels\' symtypes: verified, exactly the six changed definitions', t => {
	const result = runCli(['why', 'module_layout', ...kernels, ...symtypes, '--json']);
	t.is(result.code, 0, result.stderr);
	const explanation = JSON.parse(result.stdout) as Explanation & {schema: string};
	t.is(explanation.schema, 'kmodx.why/1');
	t.is(explanation.method, 'symtypes');
	t.true(explanation.verified);
	t.deepEqual(explanation.from, {kernel: '47', crc: '0x160c03af'});
	t.deepEqual(explanation.to, {kernel: '56', crc: '0x9060323f'});
	t.deepEqual([...new Set(explanation.changes.map(c => c.type))].sort(), six);
	t.deepEqual(members(explanation).sort(), sixMembers);
	const text = runCli(['why', 'module_layout', ...kernels, ...symtypes]);
	t.is(text.code, 0);
	t.regex(text.stdout, /method: symtypes, verified/);
});

test('symtypes of another kernel are not verified', t => {
	const swapped = ['--types', `47=${fixture('symtypes/debian-6.1.0-56-amd64.version.symtypes.gz')}`, '--types', `56=${fixture('symtypes/debian-6.1.0-47-amd64.version.symtypes.gz')}`];
	const result = runCli(['why', 'module_layout', ...kernels, ...swapped, '--json']);
	const explanation = JSON.parse(result.stdout) as Explanation;
	t.false(explanation.verified);
	t.regex(explanation.notes!.join(' '), /do not belong to that kernel/);
});

test('why module_layout from real BTF: all six genksyms causes among the BTF changes', t => {
	const result = runCli(['why', 'module_layout', ...kernels, ...btf, '--json']);
	t.is(result.code, 0, result.stderr);
	const explanation = JSON.parse(result.stdout) as Explanation;
	t.is(explanation.method, 'btf');
	for (const member of sixMembers) {
		t.true(members(explanation).includes(member), member);
	}

	for (const symbol of ['misc_register', 'kmalloc_trace']) {
		const other = JSON.parse(runCli(['why', symbol, ...kernels, ...btf, '--json']).stdout) as Explanation;
		t.true(other.changes.some(c => c.type === 'struct task_struct' && c.member === 'kstack_offset'), symbol);
	}
});

test('equal CRCs: exit 1, nothing to explain; no type information: exit 2 with what to pass', t => {
	const same = runCli(['why', 'strlen', ...kernels]);
	t.is(same.code, 1);
	t.regex(same.stdout, /same CRC .*nothing to explain/);
	const none = runCli(['why', 'module_layout', ...kernels]);
	t.is(none.code, 2);
	// Module.symvers alone: what would help for this kind of kernel input, per kernel.
	t.is(none.stderr, 'kmodx: cannot explain module_layout: no type information to compare: for the exact answer give -k 47=/usr/src/linux-headers-<release> --types 47=<its linux-source tarball> -k 56=/usr/src/linux-headers-<release> --types 56=<its linux-source tarball>; for an approximate one (BTF) --types 47=<its vmlinuz, vmlinux or headers directory with a vmlinux> --types 56=<its vmlinuz, vmlinux or headers directory with a vmlinux>\n');
	t.is(runCli(['why', 'no_such_symbol', ...kernels]).code, 2);
	t.is(runCli(['why', 'module_layout', kernels[0]!, kernels[1]!]).code, 2);
});

test('check --explain attaches the verified symtypes explanation to module_layout', t => {
	const result = runCli(['check', fixture('modules/my_drv-6.1.0-47-amd64.ko'), ...kernels, ...symtypes, '--explain', '--json']);
	t.is(result.code, 1, result.stderr);
	const report = JSON.parse(result.stdout) as CheckReport;
	const layout = report.modules[0]!.results[1]!.problems.find(p => p.symbol === 'module_layout')!;
	t.true(layout.explanation?.verified);
	t.deepEqual(members(layout.explanation!).sort(), sixMembers);
	// Other symbols are not in version.c's symtypes: the reason is given instead.
	const misc = report.modules[0]!.results[1]!.problems.find(p => p.symbol === 'misc_register')!;
	t.is(misc.explanation, undefined);
	t.regex(misc.explanation_unavailable!, /debian-6\.1\.0-47-amd64\.version\.symtypes\.gz does not define misc_register.*for the exact answer give -k 47=\/usr\/src\/linux-headers-<release> --types 47=<its linux-source tarball>/);
	const text = runCli(['check', fixture('modules/my_drv-6.1.0-47-amd64.ko'), ...kernels, ...symtypes, '--explain']);
	t.regex(text.stdout, /why \(symtypes, verified, 6 changed types\)/);
});

needs('corpus')('why from the two vmlinuz images, cold and warm cache', t => {
	const env = {KMODX_CACHE_DIR: temporaryDirectory(t)};
	const images = ['-k', `47=${corpus('kernels/debian-6.1.0-47-amd64/vmlinuz')}`, '-k', `56=${corpus('kernels/debian-6.1.0-56-amd64/vmlinuz')}`];
	for (const run of ['cold', 'warm']) {
		const result = runCli(['why', 'module_layout', ...images, '--json'], {env});
		t.is(result.code, 0, `${run}: ${result.stderr}`);
		const explanation = JSON.parse(result.stdout) as Explanation;
		for (const member of sixMembers) {
			t.true(members(explanation).includes(member), `${run}: ${member}`);
		}
	}
});

needs('headers', 'kbuild')('why module_layout from two installed Debian headers packages: symtypes generated by their kbuild, verified', t => {
	const headers = [headers47, headers56];
	const result = runCli(['why', 'module_layout', '-k', headers[0]!, '-k', headers[1]!, '--json'], {env: {KMODX_CACHE_DIR: temporaryDirectory(t)}});
	t.is(result.code, 0, result.stderr);
	const explanation = JSON.parse(result.stdout) as Explanation;
	t.is(explanation.method, 'symtypes');
	t.true(explanation.verified);
	t.deepEqual(explanation.from, {kernel: '6.1.0-47-amd64', crc: '0x160c03af'});
	t.deepEqual(explanation.to, {kernel: '6.1.0-56-amd64', crc: '0x9060323f'});
	t.deepEqual(members(explanation).sort(), sixMembers);
});

needs('corpus')('a symbol a module exports: BTF from that module\'s .ko, split on top of the image\'s; without it, what to give', t => {
	const env = {KMODX_CACHE_DIR: temporaryDirectory(t)};
	const kernels = ['-k', `47=${corpus('kernels/debian-6.1.0-47-amd64/Module.symvers')}`, '-k', `56=${corpus('kernels/debian-6.1.0-56-amd64/Module.symvers')}`];
	const images = ['--types', `47=${corpus('kernels/debian-6.1.0-47-amd64/vmlinuz')}`, '--types', `56=${corpus('kernels/debian-6.1.0-56-amd64/vmlinuz')}`];
	const modules = ['--types', `47=${corpus('modules/debian-6.1.0-47-amd64/usb-storage.ko')}`, '--types', `56=${corpus('modules/debian-6.1.0-56-amd64/usb-storage.ko')}`];
	const result = runCli(['why', 'usb_stor_probe1', ...kernels, ...images, ...modules, '--json'], {env});
	t.is(result.code, 0, result.stderr);
	const explanation = JSON.parse(result.stdout) as Explanation;
	t.is(explanation.method, 'btf');
	t.deepEqual([explanation.from.crc, explanation.to.crc], ['0xcea87b7c', '0xe8130ff0']);
	t.true(explanation.changes.some(change => change.type === 'struct task_struct' && change.member === 'kstack_offset'));

	const without = runCli(['why', 'usb_stor_probe1', ...kernels, ...images], {env});
	t.is(without.code, 2);
	t.regex(without.stderr, /47: usb-storage\.ko exports it, and its BTF \(split BTF on top of .*vmlinuz\) was not given.*--types 47=usb-storage\.ko/);
});
