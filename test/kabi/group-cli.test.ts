import test from 'ava';
import {needs} from '../helpers/oracles.js';
import {corpus, fixture} from '../helpers/paths.js';
import {runCli} from '../helpers/run-cli.js';

const kernels = ['-k', `47=${fixture('kernels/6.1.0-47-amd64/Module.symvers.gz')}`, '-k', `56=${fixture('kernels/6.1.0-56-amd64/Module.symvers.gz')}`];

type Causes = {method: string; approximate: boolean; groups: Array<{type: string; change: {added: Array<{name: string}>}; exports: string[]}>; unexplained: string[]; not_described: string[]};

test('from symtypes (version.c of both kernels): module_layout under exactly the six type changes genksyms shows, not approximate', t => {
	const types = ['--types', `47=${fixture('symtypes/debian-6.1.0-47-amd64.version.symtypes.gz')}`, '--types', `56=${fixture('symtypes/debian-6.1.0-56-amd64.version.symtypes.gz')}`];
	const result = runCli([...kernels, ...types, '--json']);
	t.is(result.code, 1, result.stderr);
	const causes = (JSON.parse(result.stdout) as {causes: Causes}).causes;
	t.is(causes.method, 'symtypes');
	t.false(causes.approximate);
	// The corpus README's six changed definitions behind module_layout.
	t.deepEqual(causes.groups.filter(group => group.exports.includes('module_layout')).map(group => group.type).sort(), ['struct key', 'struct key_tag', 'struct keyring_index_key', 'struct mm_struct', 'struct task_struct', 'struct user_struct']);
	// version.c defines one export; every other changed export is one these files do not describe.
	t.is(causes.not_described.length, 18_253);
	const text = runCli([...kernels, ...types]).stdout;
	t.regex(text, /CRC changes by cause, from symtypes \(exact/);
	t.regex(text, /\n {8}1 export {2}struct task_struct: \+ user_dumpable, \+ kstack_offset\n/);
	t.regex(text, /\n {2}1 export changed by 6 types: struct key, struct key_tag, struct keyring_index_key, struct mm_struct, struct task_struct, struct user_struct:\n {4}module_layout +0x160c03af → 0x9060323f {2}vmlinux\n/);
});

test('from BTF: an over-approximation, and said to be one; a variable BTF lacks is not described', t => {
	const types = ['--types', `47=${fixture('btf/debian-6.1.0-47-amd64.btf.gz')}`, '--types', `56=${fixture('btf/debian-6.1.0-56-amd64.btf.gz')}`];
	const result = runCli([...kernels, ...types, '--json']);
	const causes = (JSON.parse(result.stdout) as {causes: Causes}).causes;
	t.is(causes.method, 'btf');
	t.true(causes.approximate);
	const task = causes.groups.find(group => group.type === 'struct task_struct')!;
	t.deepEqual(task.change.added.map(item => item.name), ['user_dumpable', 'kstack_offset']);
	t.true(['module_layout', 'misc_register', 'kmalloc_trace'].every(name => task.exports.includes(name)));
	t.true(causes.not_described.includes('kmalloc_caches'));
	t.regex(runCli([...kernels, ...types]).stdout, /CRC changes by cause, from BTF \(an over-approximation/);
	// Type information for one kernel only: not grouped, and said so on stderr.
	const one = runCli([...kernels, '--types', `47=${fixture('btf/debian-6.1.0-47-amd64.btf.gz')}`, '--json']);
	t.false('causes' in (JSON.parse(one.stdout) as object));
	t.regex(one.stderr, /not grouped by cause: no symtypes tree or BTF for 56/);
});

needs('corpus')('the whole Debian 47 → 56 diff from the images\' BTF: every CRC change grouped, unexplained or not described', t => {
	const images = ['-k', `47=${corpus('kernels/debian-6.1.0-47-amd64/Module.symvers')}`, '-k', `56=${corpus('kernels/debian-6.1.0-56-amd64/Module.symvers')}`, '--types', `47=${corpus('kernels/debian-6.1.0-47-amd64/vmlinuz')}`, '--types', `56=${corpus('kernels/debian-6.1.0-56-amd64/vmlinuz')}`];
	const report = JSON.parse(runCli([...images, '--json']).stdout) as {summary: Record<string, number>; causes: Causes};
	const grouped = new Set(report.causes.groups.flatMap(group => group.exports));
	t.is(new Set([...grouped, ...report.causes.unexplained, ...report.causes.not_described]).size, report.summary['crc']!);
	t.true(report.causes.groups.length > 10);
	t.true(report.causes.groups.every((group, index, groups) => index === 0 || groups[index - 1]!.exports.length >= group.exports.length));
	t.true(grouped.has('module_layout'));
});
