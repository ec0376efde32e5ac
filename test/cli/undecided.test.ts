import {readFileSync} from 'node:fs';
import test, {type ExecutionContext} from 'ava';
import type {PlanReport} from '../../source/engine/build-plan.js';
import type {WeakModulesReport} from '../../source/engine/weak-modules.js';
import type {CheckReport} from '../../source/engine/check-report.js';
import {readGzipText, replaceOnce, temporaryDirectory, writeTemporary} from '../helpers/derive.js';
import {needs} from '../helpers/oracles.js';
import {corpus, fixture} from '../helpers/paths.js';
import {runCli} from '../helpers/run-cli.js';

/*
Issue 12: a kernel given as its image lists vmlinux's exports, not its modules'. Whatever kmodx
cannot decide there is undecided (?) in every command and format, never "loads", "missing",
"same CRC", "needs source changes" or "added"; exit status 3 when nothing else fails.
*/

const image47 = corpus('kernels/debian-6.1.0-47-amd64/vmlinuz');
const symvers47 = fixture('kernels/6.1.0-47-amd64/Module.symvers.gz');
const symvers56 = fixture('kernels/6.1.0-56-amd64/Module.symvers.gz');
const dkms = (name: string) => fixture('dkms/6.1.0-47-amd64', name);

/** A headers-like folder of 6.1.0-47 (Module.symvers, config, utsrelease.h): complete, vermagic known. */
function headers47(t: ExecutionContext): string {
	const directory = temporaryDirectory(t);
	writeTemporary(directory, 'Module.symvers', readGzipText(symvers47));
	writeTemporary(directory, 'config', readGzipText(fixture('kernels/6.1.0-47-amd64/config.gz')));
	writeTemporary(directory, 'include/generated/utsrelease.h', '#define UTS_RELEASE "6.1.0-47-amd64"\n');
	return directory;
}

needs('corpus')('check xt_ipp2p on an image: ? in text, Markdown and JSON, exit 3; --fail-on names unresolved', t => {
	const args = ['check', dkms('xt_ipp2p.ko'), '-k', `img47=${image47}`];
	const text = runCli(args);
	t.is(text.code, 3, text.stderr);
	t.regex(text.stdout, /\n {2}\? img47 {2}undecided: nothing fails, but 3 imports cannot be decided\n/);
	t.regex(text.stdout, /\n {6}\? 3 imports undecided: xt_unregister_matches, HX_memmem, xt_register_matches\n {10}not exported by vmlinux, and img47 \(vmlinuz\) does not list its modules' exports; give its Module\.symvers, headers directory or \/lib\/modules\/6\.1\.0-47-amd64 to decide\n/);
	t.regex(text.stdout, /\n\? 1 of 1 module × kernel combination is undecided/);
	t.notRegex(text.stdout, /✓/);
	const json = runCli([...args, '--json']);
	t.is(json.code, 3);
	const report = JSON.parse(json.stdout) as CheckReport;
	const [result] = report.modules[0]!.results;
	t.like(result, {loads: false, verdict: 'undecided', stops_at: null, first_failure: null, problems: []});
	t.deepEqual(result!.warnings.filter(warning => warning.kind === 'unresolved').map(warning => warning.symbol), ['xt_unregister_matches', 'HX_memmem', 'xt_register_matches']);
	t.like(report.summary, {failures: 0, undecided: 1, loads_everywhere: false});
	const markdown = runCli([...args, '--format', 'markdown']);
	t.regex(markdown.stdout, /\| img47 \| \? undecided: nothing fails, but 3 imports cannot be decided \| {2}\|/);
	t.regex(markdown.stdout, /### xt_ipp2p on img47\n\n\*\*\? undecided: nothing fails, but 3 imports cannot be decided\*\*\n[^#]*#### Undecided\n\n- \? `xt_unregister_matches`, `HX_memmem`, `xt_register_matches`: not exported by vmlinux/);
	t.regex(markdown.stdout, /\*\*Result: 1 of 1 module × kernel combination is undecided/);
	t.is(runCli([...args, '--fail-on', 'unresolved']).code, 3);
	t.is(runCli([...args, '--fail-on', 'crc,missing']).code, 0);
	// Given with the module it needs, HX_memmem is decided; the x_tables imports are not.
	const together = JSON.parse(runCli(['check', dkms('xt_ipp2p.ko'), dkms('compat_xtables.ko'), '-k', `img47=${image47}`, '--json']).stdout) as CheckReport;
	t.deepEqual(together.modules[0]!.results[0]!.warnings.filter(warning => warning.kind === 'unresolved').map(warning => warning.symbol), ['xt_unregister_matches', 'xt_register_matches']);
});

needs('corpus')('the matrix and the streamed JSON of many modules say ? too; an image and Module.symvers of one kernel are one ABI group', t => {
	const args = ['check', fixture('dkms/6.1.0-47-amd64'), '-k', `img47=${image47}`, '-k', `sym47=${symvers47}`, '-k', `56=${symvers56}`];
	const matrix = runCli(args);
	t.is(matrix.code, 1, matrix.stderr);
	t.regex(matrix.stdout, /\nxt_ipp2p +\? 2 unresolved +✓ +✗ module_layout\n/);
	t.regex(matrix.stdout, /\nvpoll +✓ +✓ +✗ module_layout\n/);
	t.regex(matrix.stdout, /\nloads +2\/4 \(2 \?\) +4\/4 +0\/4\n/);
	t.regex(matrix.stdout, /\n✗ 4 of 12 module × kernel combinations fail to load; 2 are undecided\n$/);
	for (const workers of ['0', '2']) {
		const json = runCli([...args, '--json'], {env: {KMODX_WORKERS: workers}});
		const report = JSON.parse(json.stdout) as CheckReport;
		t.deepEqual(report.modules.map(module => [module.name, module.results.map(result => result.verdict)]), [
			['compat_xtables', ['loads', 'loads', 'fails']],
			['v4l2loopback', ['undecided', 'loads', 'fails']],
			['vpoll', ['loads', 'loads', 'fails']],
			['xt_ipp2p', ['undecided', 'loads', 'fails']],
		], `${workers} workers`);
		t.true(report.modules.every(module => JSON.stringify(module.groups) === JSON.stringify([['img47', 'sym47'], ['56']])));
		t.deepEqual(report.summary, {modules: 4, kernels: 3, failures: 4, undecided: 2, loads_everywhere: false});
	}
});

needs('corpus')('plan: an image and the headers of one kernel are one build; undecided, never missing or "needs source changes"', t => {
	const args = ['plan', dkms('v4l2loopback.ko'), '-k', `img47=${image47}`, '-k', `hdr47=${headers47(t)}`];
	const text = runCli(args);
	t.is(text.code, 3, text.stderr);
	t.regex(text.stdout, /\n\? One build, against hdr47, serves both kernels as far as they tell\. On img47, 18 imports are undecided: it lists only vmlinux's exports \(give its Module\.symvers, headers directory or \/lib\/modules\/6\.1\.0-47-amd64\)\.\n/);
	t.regex(text.stdout, /\n {2}build 1 {2}against hdr47 {2}serves img47, hdr47 {2}\(img47: 18 imports undecided\)\n/);
	t.notRegex(text.stdout, /missing|source changes|already loads/);
	const plan = JSON.parse(runCli([...args, '--json']).stdout) as PlanReport;
	t.is(plan.summary.builds, 1);
	t.is(plan.summary.undecided, 18);
	t.false(plan.one_binary);
});

test('plan over a directory: modules given together resolve each other', t => {
	const args = ['plan', fixture('dkms/6.1.0-47-amd64'), '-k', `47=${symvers47}`];
	const text = runCli(args);
	t.is(text.code, 0, text.stderr);
	t.regex(text.stdout, /^4 modules {2}.*dkms\/6\.1\.0-47-amd64\n {2}compat_xtables, v4l2loopback, vpoll, xt_ipp2p\n/);
	t.regex(text.stdout, /\n✓ One binary serves the kernel: the modules as they are load on every one\.\n/);
	t.regex(text.stdout, /\(the current binaries already load there\)/);
	t.notRegex(text.stdout, /HX_memmem/);
	const alone = runCli(['plan', dkms('xt_ipp2p.ko'), '-k', `47=${symvers47}`]);
	t.is(alone.code, 1);
	t.regex(alone.stdout, /47 does not export HX_memmem/);
});

needs('corpus')('weak-modules: undecided on an image (exit 3); vermagic is claimed only when checked; labels named in --from/--to words', t => {
	const onImage = runCli(['weak-modules', dkms('v4l2loopback.ko'), '--from', `a=${symvers47}`, '--to', `img=${image47}`]);
	t.is(onImage.code, 3, onImage.stderr);
	t.regex(onImage.stdout, /\? undecided {2}v4l2loopback {2}18 imports undecided on img/);
	t.regex(onImage.stdout, /\n\? v4l2loopback is undecided on img\n$/);
	t.notRegex(onImage.stdout, /same CRC/);
	const report = JSON.parse(runCli(['weak-modules', dkms('v4l2loopback.ko'), '--to', `img=${image47}`, '--json']).stdout) as WeakModulesReport;
	t.deepEqual(report.summary, {modules: 1, reuse: 0, rebuild: 0, undecided: 1});
	t.true(report.fail_on.includes('unresolved'));
	// vpoll built without preempt: the target's Module.symvers does not say what vermagic it wants.
	const vermagic = '6.1.0-47-amd64 SMP preempt mod_unload modversions \0';
	const noPreempt = writeTemporary(temporaryDirectory(t), 'vpoll-nopreempt.ko', replaceOnce(readFileSync(dkms('vpoll.ko')), vermagic, '6.1.0-47-amd64 SMP mod_unload modversions \0'.padEnd(vermagic.length, '\0')));
	const reuse = runCli(['weak-modules', noPreempt, '--from', `a=${headers47(t)}`, '--to', `b=${symvers47}`]);
	t.is(reuse.code, 0);
	t.regex(reuse.stdout, /✓ reuse {2}vpoll {2}every imported symbol resolves with the same CRC, license and namespaces allow it; vermagic not checked: b does not say what it expects \(give its config, headers directory or image\) \(does not load on a either\)\n/);
	t.regex(reuse.stdout, /\n✓ vpoll can be reused on b as it is\n$/);
	const duplicate = runCli(['weak-modules', noPreempt, '--from', symvers47, '--to', symvers47]);
	t.is(duplicate.code, 2);
	t.regex(duplicate.stderr, /^kmodx: two kernels are labelled '6\.1\.0-47-amd64': --from and --to need different labels: name them, e\.g\. --from old=.* --to new=.*\n$/);
	t.notRegex(duplicate.stderr, /-k/);
});

needs('corpus')('kernel diff: an image against Module.symvers never calls module exports added; summary.same; exit 3 when only undecided rows differ', t => {
	const diff = runCli(['-k', `47=${image47}`, '-k', `56=${symvers56}`, '--json']);
	t.is(diff.code, 1, diff.stderr);
	const report = JSON.parse(diff.stdout) as {summary: Record<string, number>; changes: Array<{change: string[]}>};
	t.like(report.summary, {added: 0, removed: 13, undecided: 14_208, same: 3909});
	const text = runCli(['-k', `47=${image47}`, '-k', `56=${symvers56}`]);
	t.regex(text.stdout, /^47 → 56: 0 added, 13 removed, 6566 CRC changed, .*, 3909 the same, 14208 undecided\n/);
	t.regex(text.stdout, /\n\? 14208 exports are undecided: 47 \(vmlinuz\) lists only vmlinux's exports, so a name missing there may be a module's; give its Module\.symvers, headers directory or \/lib\/modules\/6\.1\.0-47-amd64 to decide\n$/);
	const same = runCli(['-k', `img=${image47}`, '-k', `sym=${symvers47}`]);
	t.is(same.code, 3);
	t.regex(same.stdout, /^img → sym: 0 added, 0 removed, 0 CRC changed, 0 export type changed, 0 namespace changed, 0 moved, 10488 the same, 14130 undecided\n/);
	const full = JSON.parse(runCli(['-k', `47=${symvers47}`, '-k', `56=${symvers56}`, '--json']).stdout) as {summary: Record<string, number>};
	t.deepEqual(full.summary, {added: 84, removed: 19, rehashed: 0, crc: 18_254, export_type: 0, namespace: 0, module: 0, undecided: 0, same: 6345});
});
