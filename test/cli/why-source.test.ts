import type {Explanation} from '../../source/typediff/explanation.js';
import {temporaryDirectory} from '../helpers/derive.js';
import {headers47, headers56, needs} from '../helpers/oracles.js';
import {fixture} from '../helpers/paths.js';
import {runCli} from '../helpers/run-cli.js';

const source170 = fixture('kernel-source/linux-source-6.1.170-3.tar.xz');
const source192 = fixture('kernel-source/linux-source-6.1.192-2.tar.xz');
const integration = needs('headers', 'kbuild');
const kernels = ['-k', `47=${headers47}`, '-k', `56=${headers56}`];
// The ten definitions genksyms saw change for misc_register (kernel-facts §7: the six of module_layout, and device,
// fwnode_handle, tty_struct, tty_operations; scripts/why-source-check.sh finds them in a plain diff of misc.symtypes),
// and the enumerator DEV_FLAG_COUNT, which only 56's expansion reaches (struct device's new flags bitmap is sized by it).
const miscRegisterCauses = [
	'DEV_FLAG_COUNT', 'struct device', 'struct fwnode_handle', 'struct key', 'struct key_tag', 'struct keyring_index_key', 'struct mm_struct',
	'struct task_struct', 'struct tty_operations', 'struct tty_struct', 'struct user_struct',
];

integration('why misc_register from the two kernels\' source tarballs: symtypes, verified, complete, with the file each came from', t => {
	const env = {KMODX_CACHE_DIR: temporaryDirectory(t)};
	const result = runCli(['why', 'misc_register', ...kernels, '--types', `47=${source170}`, '--types', `56=${source192}`, '--json'], {env});
	t.is(result.code, 0, result.stderr);
	t.is(result.stderr, '');
	const explanation = JSON.parse(result.stdout) as Explanation;
	t.is(explanation.method, 'symtypes');
	t.true(explanation.verified);
	t.true(explanation.complete);
	t.deepEqual(explanation.recomputed, {from: '0xf2c48af4', to: '0x844c8938'});
	t.deepEqual(explanation.origins, {
		from: {kind: 'source', path: source170, file: 'drivers/char/misc.c', headers: headers47},
		to: {kind: 'source', path: source192, file: 'drivers/char/misc.c', headers: headers56},
	});
	t.deepEqual([...new Set(explanation.changes.map(change => change.type))].sort(), miscRegisterCauses);
	const text = runCli(['why', 'misc_register', ...kernels, '--types', `47=${source170}`, '--types', `56=${source192}`], {env});
	t.is(text.code, 0);
	t.regex(text.stdout, /^misc_register: 47 0xf2c48af4 → 56 0x844c8938\nmethod: symtypes, verified \(recomputed 0xf2c48af4 → 0x844c8938\)\n {2}47: drivers\/char\/misc\.c of .*linux-source-6\.1\.170-3\.tar\.xz, preprocessed against \/usr\/src\/linux-headers-6\.1\.0-47-amd64\n/);
	t.regex(text.stdout, /\nstruct fwnode_handle\n {2}via misc_register → struct miscdevice → struct device → struct fwnode_handle\n {2}~ u8 flags; → unsigned long flags; {2}\(member type changed\)\n/);
});

integration('a trace header reached through TRACE_INCLUDE_PATH: drm_sched_job_init, verified against both kernels\' CRCs', t => {
	// drivers/gpu/drm/scheduler/sched_main.c defines its tracepoints: the installed
	// include/trace/define_trace.h and trace_events.h include "../../drivers/gpu/drm/scheduler/
	// gpu_scheduler_trace.h", relative to include/trace/, which the headers package does not have.
	const env = {KMODX_CACHE_DIR: temporaryDirectory(t)};
	const result = runCli(['why', 'drm_sched_job_init', ...kernels, '--types', `47=${source170}`, '--types', `56=${source192}`, '--json'], {env});
	t.is(result.code, 0, result.stderr);
	const explanation = JSON.parse(result.stdout) as Explanation;
	t.is(explanation.method, 'symtypes');
	// Verified: both recomputed CRCs are the kernels' own (the headers' Module.symvers).
	t.true(explanation.verified);
	t.deepEqual(explanation.recomputed, {from: '0xa866cd62', to: '0x4a2323ec'});
	t.deepEqual([explanation.from.crc, explanation.to.crc], ['0xa866cd62', '0x4a2323ec']);
	t.deepEqual(explanation.origins?.from, {kind: 'source', path: source170, file: 'drivers/gpu/drm/scheduler/sched_main.c', headers: headers47});
	t.true(explanation.changes.some(change => change.type === 'struct task_struct'));
});

integration('a tarball of another version is refused: one line, exit 2', t => {
	const result = runCli(['why', 'misc_register', ...kernels, '--types', `47=${source192}`, '--types', `56=${source192}`], {env: {KMODX_CACHE_DIR: temporaryDirectory(t)}});
	t.is(result.code, 2);
	t.is(result.stderr, `kmodx: ${source192}: this is the source of Linux 6.1.192, but kernel 47 is 6.1.170 (${headers47}): give the source of that kernel\n`);
	t.is(result.stdout, '');
});

integration('with the source of one kernel only, BTF answers, says it is approximate and what the exact answer needs', t => {
	const env = {KMODX_CACHE_DIR: temporaryDirectory(t)};
	const types = ['--types', `47=${source170}`, '--types', `47=${fixture('btf/debian-6.1.0-47-amd64.btf.gz')}`, '--types', `56=${fixture('btf/debian-6.1.0-56-amd64.btf.gz')}`];
	const result = runCli(['why', 'misc_register', ...kernels, ...types, '--json'], {env});
	t.is(result.code, 0, result.stderr);
	const explanation = JSON.parse(result.stdout) as Explanation;
	t.is(explanation.method, 'btf');
	t.false(explanation.complete);
	t.is(explanation.paths, 'btf');
	t.regex(explanation.incomplete!, /superset of the causes, not checked against the CRCs/);
	t.is(explanation.notes!.at(-1)!, 'no exact answer: for it give --types 56=<its linux-source tarball>');
});

integration('BTF narrowed by the installed header that declares the symbol: the changes it marks hashed are true causes, and come first', t => {
	const env = {KMODX_CACHE_DIR: temporaryDirectory(t)};
	const types = ['--types', `47=${fixture('btf/debian-6.1.0-47-amd64.btf.gz')}`, '--types', `56=${fixture('btf/debian-6.1.0-56-amd64.btf.gz')}`];
	const result = runCli(['why', 'misc_register', ...kernels, ...types, '--json'], {env});
	t.is(result.code, 0, result.stderr);
	const explanation = JSON.parse(result.stdout) as Explanation;
	t.is(explanation.method, 'btf');
	const hashed = [...new Set(explanation.changes.filter(change => change.likelihood === 'hashed').map(change => change.type))];
	// <linux/miscdevice.h> defines struct device, and through it task_struct and mm_struct.
	t.deepEqual([...hashed].sort(), ['struct device', 'struct mm_struct', 'struct task_struct']);
	// Genksyms's own answer (the plain diff of drivers/char/misc.c's symtypes, kernel-facts §7) holds every one of them.
	for (const type of hashed) {
		t.true(miscRegisterCauses.includes(type), type);
	}

	t.true(explanation.changes.findIndex(change => change.likelihood === 'possible') > explanation.changes.findLastIndex(change => change.likelihood === 'hashed'));
	t.regex(explanation.notes!.join('\n'), /3 of the \d+ candidate types are defined by <linux\/miscdevice\.h>, which declares misc_register/);
	const text = runCli(['why', 'misc_register', ...kernels, ...types], {env});
	t.regex(text.stdout, /\n-- hashed by genksyms: defined by the headers that declare misc_register\n\nstruct device\n/);
});
