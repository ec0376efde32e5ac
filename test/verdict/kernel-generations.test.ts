import {readFileSync} from 'node:fs';
import test from 'ava';
import {loadKernel} from '../../source/kernel/load-kernel.js';
import type {Kernel} from '../../source/kernel/kernel.js';
import {diffKernels, diffSummary} from '../../source/kernel/diff-kernels.js';
import {parseModuleBytes} from '../../source/module/read-module.js';
import {buildPlan} from '../../source/engine/build-plan.js';
import {buildCheckReport} from '../../source/engine/check-report.js';
import {formatDiffText} from '../../source/views/format-diff.js';
import {checkModule, defaultPolicy, verifyModuleNamespace, type KernelVerdict} from '../../source/verdict/check-module.js';
import {readGzipText, replaceOnce} from '../helpers/derive.js';
import {fixtureModule} from '../helpers/kernels.js';
import {buildVermagic, plainModule, referenceOracles, referenceVerdict, symversEntries} from '../helpers/kmod-reference.js';
import {needs} from '../helpers/oracles.js';
import {fixture} from '../helpers/paths.js';

/*
Linux 7.x as Debian ships it (linux-headers/-modules/-binary 7.2.12-1~bpo13+1 and 7.2.13-1):
no CONFIG_MODVERSIONS (Module.symvers keeps a 0x00000000 column), one __ksymtab with a
__kflagstab of GPL-only flags, `module:` namespaces. Fixtures cut from those packages:
test/fixtures/kernels/7.2.12+deb13-amd64 and 7.2.13+deb14-amd64 (Module.symvers, config, utsrelease.h, module_symbol.h of the
-common headers; vmlinux-exports.gz: the image's __ksymtab, __kflagstab and __ksymtab_strings).
*/
const r12 = '7.2.12+deb13-amd64';
const r13 = '7.2.13+deb14-amd64';
const modules12 = ['cxl_mem.ko.xz', 'usb-storage.ko.xz', 'uas.ko.xz'];
const withReference = needs(...referenceOracles);

const headers = async (release: string, label = release) => loadKernel({label, source: fixture('kernels', release)});
const symversOf = (release: string) => symversEntries(readGzipText(fixture('kernels', release, 'Module.symvers.gz')));
const problemList = (result: KernelVerdict) => result.problems.map(problem => (problem.kind === 'vermagic' ? 'vermagic' : `${problem.kind} ${problem.symbol ?? ''}`)).sort();

test('a 7.2 kernel is known to have no modversions and __kflagstab tables, from its headers and from a Module.symvers alone', async t => {
	const kernel = await headers(r12);
	t.is(kernel.modversions, false);
	t.is(kernel.exportFlags, true);
	t.is(kernel.vermagic, `${r12} SMP preempt mod_unload `);
	t.is(kernel.exports.get('register_netdev')?.crc, undefined, 'a 0x00000000 placeholder is no CRC');
	const bare = await loadKernel({label: 'bare', source: fixture('kernels', r12, 'Module.symvers.gz')});
	t.is(bare.modversions, false);
	t.is(bare.exportFlags, undefined);
	const old = await loadKernel({label: undefined, source: fixture('kernels', '6.1.0-47-amd64')});
	t.is(old.modversions, true);
	t.is(old.exportFlags, undefined, 'a folder with Module.symvers and config only does not tell');
});

withReference('every 7.2.12 module: loads on 7.2.12, fails at vermagic on 7.2.13 — the problems equal modinfo + nm + Module.symvers under the kernel\'s rules', async t => {
	const kernels = [await headers(r12), await headers(r13)];
	const vermagic = [buildVermagic(plainModule(t, fixture('modules', r12, 'uas.ko.xz'))), buildVermagic(plainModule(t, fixture('modules', r13, 'cxl_mem.ko.xz')))];
	const exports = [symversOf(r12), symversOf(r13)];
	for (const name of modules12) {
		const file = fixture('modules', r12, name);
		// eslint-disable-next-line no-await-in-loop
		const module = await parseModuleBytes(readFileSync(file), file);
		const plain = plainModule(t, file);
		for (const [index, kernel] of kernels.entries()) {
			const reference = referenceVerdict(plain, exports[index]!, vermagic[index]!);
			const result = checkModule(module, kernel);
			t.deepEqual(problemList(result), reference.problems, `${name} on ${kernel.label}`);
			t.is(result.verdict, reference.problems.length === 0 && reference.unlisted.length === 0 ? 'loads' : 'fails', `${name} on ${kernel.label}`);
			// Modversions rules apply nowhere: no module_layout, no "no __versions", no forced-load taint.
			t.false(result.problems.some(problem => ['no_versions', 'crc', 'no_version'].includes(problem.kind)));
			t.false(result.warnings.some(warning => warning.kind === 'forced'));
		}
	}

	const usb13 = checkModule(await fixtureModule(r12, 'usb-storage.ko.xz'), kernels[1]!);
	t.is(usb13.stops_at, 'vermagic');
	t.deepEqual(usb13.dmesg, [`usb_storage: version magic '${r12} SMP preempt mod_unload ' should be '${r13} SMP preempt mod_unload '`]);
});

withReference('a proprietary copy of usb-storage is refused its GPL-only imports: from the headers, and from the image\'s __kflagstab', async t => {
	const file = fixture('modules', r12, 'usb-storage.ko.xz');
	const plain = readFileSync(plainModule(t, file));
	const proprietary = replaceOnce(plain, 'license=GPL\0', 'license=XYZ\0');
	const module = await parseModuleBytes(proprietary, '/derived/usb-storage.ko');
	const exports = symversOf(r12);
	const reference = referenceVerdict(plainModule(t, '/derived/usb-storage.ko', proprietary), exports, `${r12} SMP preempt mod_unload `);
	t.true(reference.problems.length > 10, 'usb-storage uses GPL-only exports');
	const onHeaders = checkModule(module, await headers(r12));
	t.is(onHeaders.verdict, 'fails');
	t.deepEqual(problemList(onHeaders), reference.problems);

	// The image lists vmlinux's exports only, each typed by its __kflagstab byte.
	const image = await loadKernel({label: 'image', source: fixture('kernels', r12, 'vmlinux-exports.gz')});
	t.is(image.modversions, false);
	t.is(image.exportFlags, true);
	const vmlinuxOnly = new Map([...exports].filter(([, entry]) => entry.module === 'vmlinux'));
	const onImage = checkModule(module, image);
	t.is(onImage.verdict, 'fails');
	t.deepEqual(problemList(onImage), referenceVerdict(plainModule(t, '/derived/usb-storage.ko', proprietary), vmlinuxOnly, `${r12} SMP preempt mod_unload `).problems.filter(problem => problem !== 'vermagic'));
});

withReference('module: namespaces: cxl_mem may use what vmlinux exports to it; the same module under another name may not', async t => {
	const file = fixture('modules', r12, 'cxl_mem.ko.xz');
	const plain = readFileSync(plainModule(t, file));
	const exports = symversOf(r12);
	const own = checkModule(await parseModuleBytes(plain, file), await headers(r12));
	t.is(own.verdict, 'loads');
	const renamed = replaceOnce(plain, 'name=cxl_mem\0', 'name=cxl_meX\0');
	const result = checkModule(await parseModuleBytes(renamed, '/derived/cxl_meX.ko'), await headers(r12));
	const reference = referenceVerdict(plainModule(t, '/derived/cxl_meX.ko', renamed), exports, `${r12} SMP preempt mod_unload `);
	t.true(reference.problems.length > 0);
	t.deepEqual(problemList(result), reference.problems);
	const first = result.problems[0]!;
	t.regex(first.message, /exported only to the modules cxl_mem \(EXPORT_SYMBOL_FOR_MODULES\); cxl_meX is not one of them/);
	t.deepEqual(first.log[0], `cxl_meX: module uses symbol (${first.symbol!}) from namespace module:cxl_mem, but does not import it.`);
});

test('verify_module_namespace(): comma lists, tail globs, - equals _, nothing else', t => {
	t.true(verifyModuleNamespace('module:kvm-amd,kvm-intel', 'kvm_intel'));
	t.true(verifyModuleNamespace('module:kvm-amd,kvm-intel', 'kvm-amd'));
	t.false(verifyModuleNamespace('module:kvm-amd,kvm-intel', 'kvm'));
	t.false(verifyModuleNamespace('module:kvm-amd,kvm-intel', 'kvm_intelx'));
	t.true(verifyModuleNamespace('module:cxl*', 'cxl_mem'));
	t.true(verifyModuleNamespace('module:*', 'anything'));
	t.false(verifyModuleNamespace('module:cxl*x', 'cxl_mem'));
	t.false(verifyModuleNamespace('CXL', 'cxl'));
	t.false(verifyModuleNamespace('module:', 'cxl'));
});

test('a module built for an older kernel exports without __kflagstab: the 7.x kernel refuses it after vermagic, as check_export_symbol_sections() does', async t => {
	const file = fixture('modules', '6.1.0-47-amd64', 'usb-storage.ko');
	const data = readFileSync(file);
	const kernel = await headers(r12);
	const as61 = checkModule(await parseModuleBytes(data, file), kernel);
	t.is(as61.stops_at, 'vermagic');
	t.true(as61.problems.some(problem => problem.kind === 'no_export_flags'));
	// Same module with this kernel's vermagic (padded with NULs to keep every offset): only the flags stop it.
	const from = '6.1.0-47-amd64 SMP preempt mod_unload modversions ';
	const to = `${r12} SMP preempt mod_unload `;
	const retagged = replaceOnce(data, `vermagic=${from}`, `vermagic=${to}${'\0'.repeat(from.length - to.length)}`);
	const result = checkModule(await parseModuleBytes(retagged, '/derived/usb-storage.ko'), kernel);
	t.is(result.stops_at, 'exports');
	t.is(result.first_failure?.kind, 'no_export_flags');
	t.deepEqual(result.dmesg.at(-1), 'usb_storage: no flags for exported symbols');
	// On a 6.1 kernel nothing asks for flags.
	t.false(checkModule(await parseModuleBytes(data, file), await loadKernel({label: undefined, source: fixture('kernels', '6.1.0-47-amd64')})).problems.some(problem => problem.kind === 'no_export_flags'));
});

test('ABI groups and plan: without modversions each release is its own ABI; one kernel in two forms is one', async t => {
	const module = await fixtureModule(r12, 'usb-storage.ko.xz');
	const kernels: Kernel[] = [await headers(r12, 'a'), await headers(r13, 'b'), await headers(r12, 'c')];
	const report = buildCheckReport([module], kernels, defaultPolicy);
	t.deepEqual(report.modules[0]!.groups, [['a', 'c'], ['b']]);
	t.deepEqual(report.kernels.map(kernel => kernel.modversions), [false, false, false]);
	const plan = buildPlan([module], kernels.slice(0, 2), defaultPolicy);
	t.false(plan.one_binary);
	t.is(plan.builds.length, 2);
	t.regex(plan.verdict, /no symbol versions \(CONFIG_MODVERSIONS off\)/);
	t.true(buildPlan([module], [kernels[0]!, kernels[2]!], defaultPolicy).one_binary);
});

test('kernel diff: Module.symvers against the image of the same build shows no change; two 7.2 releases compare no CRC', async t => {
	const symvers = await loadKernel({label: 'symvers', source: fixture('kernels', r12, 'Module.symvers.gz')});
	const image = await loadKernel({label: 'image', source: fixture('kernels', r12, 'vmlinux-exports.gz')});
	const summary = diffSummary(diffKernels([symvers, image]));
	const entries = symversOf(r12);
	const vmlinux = [...entries.values()].filter(entry => entry.module === 'vmlinux');
	t.like(summary, {added: 0, removed: 0, crc: 0, export_type: 0, namespace: 0, module: 0});
	t.is(summary.same, vmlinux.length, 'every vmlinux export: same type (from __kflagstab) and namespace');
	t.is(summary.undecided, entries.size - vmlinux.length, 'the modules\' exports: the image cannot list them');
	const releases = [await headers(r12), await headers(r13)];
	const rows = diffKernels(releases);
	t.is(diffSummary(rows).crc, 0);
	t.regex(formatDiffText({kernels: releases, rows}), /Neither kernel has symbol versions \(CONFIG_MODVERSIONS off\): CRCs are not compared/);
});
