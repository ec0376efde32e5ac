import {spawnSync} from 'node:child_process';
import {readFileSync} from 'node:fs';
import test from 'ava';
import {diffKernels, diffSummary} from '../../source/kernel/diff-kernels.js';
import type {Kernel} from '../../source/kernel/kernel.js';
import {MapTable} from '../../source/kernel/map-table.js';
import {buildPlan, planStatus} from '../../source/engine/build-plan.js';
import {weakModule} from '../../source/engine/weak-modules.js';
import {buildCheckReport, moduleReport} from '../../source/engine/check-report.js';
import {ExitTally, parseFailOn, verdictKinds} from '../../source/engine/fail-on.js';
import {abiGroups} from '../../source/verdict/abi-groups.js';
import {checkModule} from '../../source/verdict/check-module.js';
import {readGzipText, replaceOnce} from '../helpers/derive.js';
import {derivedModule, fixtureModule, kernelDirectory, symversKernel} from '../helpers/kernels.js';
import {needs, oracleProgram} from '../helpers/oracles.js';
import {fixture} from '../helpers/paths.js';

const policy = {missingVersion: 'fatal'} as const;
const failAll = parseFailOn(undefined);

/**
What a kernel image tells, derived from the build's Module.symvers: vmlinux's exports only (the
image's __ksymtab holds exactly those: test/cli/check.test.ts compares both).
*/
function imageOf(kernel: Kernel, label: string): Kernel {
	return {...kernel, label, kind: 'vmlinuz', modulesIncluded: false, exports: new MapTable([...kernel.exports.all()].filter(entry => entry.module === 'vmlinux'))};
}

/** The reference: each __versions name (modprobe --dump-modversions) and who exports it per the build's Module.symvers. */
function exportersOf(module: string, release: '6.1.0-47-amd64' | '6.1.0-56-amd64'): Map<string, string | undefined> {
	const exporters = new Map(readGzipText(fixture('kernels', release, 'Module.symvers.gz')).trim().split('\n').map(line => line.split('\t')).map(([, name, owner]) => [name!, owner!]));
	const dump = spawnSync(oracleProgram('modprobe'), ['--dump-modversions', module], {encoding: 'utf8'});
	if (dump.status !== 0) {
		throw new Error(`modprobe --dump-modversions ${module}: ${dump.stderr}`);
	}

	return new Map(dump.stdout.trim().split('\n').map(line => line.split('\t')[1]!).map(name => [name, exporters.get(name)]));
}

const dkms = (name: string) => fixture('dkms/6.1.0-47-amd64', name);

test('an import a kernel image cannot tell is undecided: not loads, not missing; the reason says what to give', async t => {
	const symvers = await symversKernel('6.1.0-47-amd64', '47');
	const image = imageOf(symvers, 'img47');
	const module = await fixtureModule('../dkms/6.1.0-47-amd64/xt_ipp2p.ko');
	const result = checkModule(module, image);
	t.is(result.verdict, 'undecided');
	t.false(result.loads);
	t.deepEqual(result.problems, []);
	t.is(result.first_failure, null);
	const unresolved = result.warnings.filter(warning => warning.kind === 'unresolved');
	t.deepEqual(unresolved.map(warning => warning.symbol).sort(), ['HX_memmem', 'xt_register_matches', 'xt_unregister_matches']);
	t.regex(unresolved[0]!.message, /^\w+: not exported by vmlinux, and img47 \(vmlinuz\) does not list its modules' exports; give its Module\.symvers, headers directory or \/lib\/modules\/<release> to decide$/);
	t.deepEqual(verdictKinds(result), ['unresolved']);
	// Against the complete kernel: HX_memmem (another project's module) is missing, for certain.
	const complete = checkModule(module, symvers);
	t.is(complete.verdict, 'fails');
	t.deepEqual(complete.problems.map(problem => `${problem.kind} ${problem.symbol!}`), ['missing HX_memmem']);
});

needs('modprobe')('on an image, the undecided imports are the names modprobe lists that the build\'s Module.symvers does not give to vmlinux', async t => {
	const image = imageOf(await symversKernel('6.1.0-47-amd64', '47'), 'img47');
	const result = checkModule(await fixtureModule('../dkms/6.1.0-47-amd64/xt_ipp2p.ko'), image);
	const unresolved = result.warnings.filter(warning => warning.kind === 'unresolved').map(warning => warning.symbol).sort();
	const reference = exportersOf(dkms('xt_ipp2p.ko'), '6.1.0-47-amd64');
	t.true(reference.size > 0);
	t.deepEqual(unresolved, [...reference].filter(([, owner]) => owner !== 'vmlinux').map(([name]) => name).sort());
});

test('modules given together resolve each other on an image too; what only an undecided module exports is undecided', async t => {
	const symvers = await symversKernel('6.1.0-47-amd64', '47');
	const image = imageOf(symvers, 'img47');
	const together = buildCheckReport([await fixtureModule('../dkms/6.1.0-47-amd64/xt_ipp2p.ko'), await fixtureModule('../dkms/6.1.0-47-amd64/compat_xtables.ko')], [image, symvers], policy);
	const [ipp2p, compat] = together.modules;
	t.deepEqual(compat!.results.map(result => result.verdict), ['loads', 'loads']);
	t.deepEqual(ipp2p!.results.map(result => result.verdict), ['undecided', 'loads']);
	t.deepEqual(ipp2p!.results[0]!.warnings.filter(warning => warning.kind === 'unresolved').map(warning => warning.symbol).sort(), ['xt_register_matches', 'xt_unregister_matches']);
	t.deepEqual(together.summary, {modules: 2, kernels: 2, failures: 0, undecided: 1, loads_everywhere: false});
	// uas needs usb-storage, which needs usbcore: undecided on the image, so uas's usb_stor_* are too.
	const storage = buildCheckReport([await fixtureModule('6.1.0-47-amd64/uas.ko'), await fixtureModule('6.1.0-47-amd64/usb-storage.ko')], [image], policy);
	const [uas, usbStorage] = storage.modules;
	t.is(usbStorage!.results[0]!.verdict, 'undecided');
	t.is(uas!.results[0]!.verdict, 'undecided');
	const fromPeer = uas!.results[0]!.warnings.find(warning => warning.symbol === 'usb_stor_adjust_quirks');
	t.regex(fromPeer!.message, /^usb_stor_adjust_quirks: exported only by usb_storage of this run, whose own verdict on img47 is undecided; decide that one first$/);
});

test('exit status: 1 for a counted failure, 3 for a counted undecided verdict, 0 otherwise', t => {
	const tally = (failOn: string | undefined, ...kinds: Array<Parameters<ExitTally['add']>[0]>) => {
		const exit = new ExitTally(parseFailOn(failOn));
		for (const each of kinds) {
			exit.add(each);
		}

		return exit.status;
	};

	t.is(tally(undefined, []), 0);
	t.is(tally(undefined, ['unresolved']), 3);
	t.is(tally(undefined, ['unresolved'], ['crc']), 1);
	t.is(tally('crc,missing', ['unresolved']), 0);
	t.is(tally('unresolved', ['unresolved']), 3);
	t.is(tally('unresolved', ['vermagic', 'unresolved']), 3);
	t.is(tally('none', ['crc', 'unresolved']), 0);
	t.deepEqual([...parseFailOn('unresolved')], ['unresolved']);
});

test('ABI groups: one kernel given as an image and as Module.symvers is one group; an image never splits on what it cannot tell', async t => {
	const symvers47 = await symversKernel('6.1.0-47-amd64', 'sym47');
	const symvers56 = await symversKernel('6.1.0-56-amd64', '56');
	const v4l2 = await fixtureModule('../dkms/6.1.0-47-amd64/v4l2loopback.ko');
	t.deepEqual(abiGroups(v4l2, [imageOf(symvers47, 'img47'), symvers47, symvers56]), [['img47', 'sym47'], ['56']]);
	t.deepEqual(abiGroups(v4l2, [symvers56, imageOf(symvers47, 'img47'), symvers47]), [['56'], ['img47', 'sym47']]);
	// What an image does tell still splits: 56's vmlinux has another module_layout.
	t.deepEqual(abiGroups(v4l2, [symvers47, imageOf(symvers56, 'img56')]), [['sym47'], ['img56']]);
});

test('plan: an image and the headers of one kernel are one build, against the headers; its undecided imports are named, never missing', async t => {
	const headers = await kernelDirectory(t, '6.1.0-47-amd64', {}, 'hdr47');
	const image = imageOf(await symversKernel('6.1.0-47-amd64'), 'img47');
	const plan = buildPlan([await fixtureModule('../dkms/6.1.0-47-amd64/v4l2loopback.ko')], [image, headers], policy);
	t.deepEqual(plan.builds.map(build => [build.kernels, build.build_against, build.current_binary, build.missing]), [[['img47', 'hdr47'], 'hdr47', false, []]]);
	t.is(plan.builds[0]!.undecided.length, 1);
	t.is(plan.builds[0]!.undecided[0]!.kernel, 'img47');
	t.is(plan.builds[0]!.undecided[0]!.symbols.length, 18);
	t.true(plan.builds[0]!.undecided[0]!.symbols.every(name => /^(v4l2_|video_|__video_)/.test(name)));
	t.false(plan.one_binary);
	t.is(planStatus(plan), 3);
	t.deepEqual(plan.splitting_symbols, []);
	t.is(plan.undecided_symbols.length, 18);
	t.notRegex(plan.verdict, /does not export|source changes|2 builds/);
	t.regex(plan.verdict, /^One build, against hdr47, serves both kernels as far as they tell\. On img47, 18 imports are undecided/);
});

test('plan over several modules: they resolve each other, so a sibling\'s export is neither missing nor splitting', async t => {
	const k47 = await symversKernel('6.1.0-47-amd64', '47');
	const k56 = await symversKernel('6.1.0-56-amd64', '56');
	const ipp2p = await fixtureModule('../dkms/6.1.0-47-amd64/xt_ipp2p.ko');
	const compat = await fixtureModule('../dkms/6.1.0-47-amd64/compat_xtables.ko');
	const alone = buildPlan([ipp2p], [k47], policy);
	t.deepEqual(alone.builds[0]!.missing, ['HX_memmem']);
	t.is(planStatus(alone), 1);
	const together = buildPlan([ipp2p, compat], [k47], policy);
	t.true(together.one_binary);
	t.is(together.module, null);
	t.deepEqual(together.modules.map(module => module.name), ['xt_ipp2p', 'compat_xtables']);
	t.deepEqual(together.builds, [{kernels: ['47'], build_against: '47', current_binary: true, missing: [], undecided: []}]);
	t.is(together.verdict, 'One binary serves the kernel: the modules as they are load on every one.');
	const both = buildPlan([ipp2p, compat], [k47, k56], policy);
	t.false(both.splitting_symbols.some(symbol => symbol.name === 'HX_memmem'));
	t.false(both.identical_symbols.some(symbol => symbol.name === 'HX_memmem'));
	t.is(both.splitting_symbols[0]!.name, 'module_layout');
	t.deepEqual(both.builds.map(build => build.kernels), [['47'], ['56']]);
});

test('weak-modules: undecided on an image; a reuse names vermagic only when it was checked', async t => {
	const symvers = await symversKernel('6.1.0-47-amd64', 'b');
	const image = imageOf(symvers, 'img');
	const v4l2 = await fixtureModule('../dkms/6.1.0-47-amd64/v4l2loopback.ko');
	const onImage = weakModule(moduleReport(v4l2, [image], policy), 'img', undefined, [], failAll);
	t.is(onImage.decision, 'undecided');
	t.is(onImage.undecided.length, 18);
	t.regex(onImage.reason, /^18 imports undecided on img \(.*, and 15 more\): give its Module\.symvers/);
	t.notRegex(onImage.reason, /same CRC/);
	// vpoll built without preempt: the headers tell the kernel wants it; a Module.symvers alone does not.
	const vermagic = '6.1.0-47-amd64 SMP preempt mod_unload modversions \0';
	const noPreempt = derivedModule(replaceOnce(readFileSync(dkms('vpoll.ko')), vermagic, '6.1.0-47-amd64 SMP mod_unload modversions \0'.padEnd(vermagic.length, '\0')), 'vpoll-nopreempt.ko');
	const headers = await kernelDirectory(t, '6.1.0-47-amd64', {}, 'a');
	const report = moduleReport(noPreempt, [headers, symvers], policy);
	const onSymvers = weakModule(report, 'b', 'a', [], failAll);
	t.is(onSymvers.decision, 'reuse');
	t.is(onSymvers.loads_on_from, false);
	t.regex(onSymvers.reason, /vermagic not checked: b does not say what it expects/);
	t.notRegex(onSymvers.reason, /vermagic agrees/);
	const onHeaders = weakModule(moduleReport(noPreempt, [symvers, headers], policy), 'a', 'b', [], failAll);
	t.is(onHeaders.decision, 'rebuild');
	t.regex(onHeaders.reason, /vermagic differs/);
	const plainVpoll = weakModule(moduleReport(await fixtureModule('../dkms/6.1.0-47-amd64/vpoll.ko'), [headers], policy), 'a', undefined, [], failAll);
	t.regex(plainVpoll.reason, /vermagic agrees$/);
});

test('kernel diff: an image against a full kernel never calls module exports added; summary.same counts the unchanged', async t => {
	const k47 = await symversKernel('6.1.0-47-amd64', '47');
	const k56 = await symversKernel('6.1.0-56-amd64', '56');
	// Independent counts from the two Module.symvers texts.
	const table = (release: '6.1.0-47-amd64' | '6.1.0-56-amd64') => new Map(readGzipText(fixture('kernels', release, 'Module.symvers.gz')).trim().split('\n').map(line => line.split('\t')).map(([crc, name, module, type, namespace]) => [name!, `${crc!} ${module!} ${type!} ${namespace ?? ''}`]));
	const [t47, t56] = [table('6.1.0-47-amd64'), table('6.1.0-56-amd64')];
	const same = [...t47].filter(([name, value]) => t56.get(name) === value).length;
	const summary = diffSummary(diffKernels([k47, k56]));
	t.is(summary.same, same);
	t.is(summary.same, 6345);
	t.is(summary.undecided, 0);
	const vmlinux47 = new Set([...t47].filter(([, value]) => value.split(' ')[1] === 'vmlinux').map(([name]) => name));
	const fromImage = diffSummary(diffKernels([imageOf(k47, 'img47'), k56]));
	t.is(fromImage.added, 0);
	t.is(fromImage.undecided, [...t56.keys()].filter(name => !vmlinux47.has(name)).length);
	t.is(fromImage.removed, [...vmlinux47].filter(name => !t56.has(name)).length);
	// One kernel in two forms: nothing added, nothing removed, everything vmlinux exports the same.
	const twice = diffSummary(diffKernels([imageOf(k47, 'img47'), k47]));
	t.deepEqual(twice, {added: 0, removed: 0, rehashed: 0, crc: 0, export_type: 0, namespace: 0, module: 0, undecided: t47.size - vmlinux47.size, same: vmlinux47.size});
});
