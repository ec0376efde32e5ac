import {readFileSync} from 'node:fs';
import test from 'ava';
import {checkModule, earlyStopKinds} from '../../source/verdict/check-module.js';
import {abiGroups} from '../../source/verdict/abi-groups.js';
import {loadKernel} from '../../source/kernel/load-kernel.js';
import {readGzipText, replaceOnce, temporaryDirectory, writeTemporary} from '../helpers/derive.js';
import {derivedModule, fixtureModule, kernelDirectory, symversKernel} from '../helpers/kernels.js';
import {fixture} from '../helpers/paths.js';

const myDrvMismatches = ['module_layout', 'misc_deregister', 'wake_up_process', 'noop_llseek', 'debugfs_remove', 'kthread_stop', 'misc_register', 'kthread_create_on_node', 'debugfs_create_file', 'kmalloc_trace', 'kmalloc_caches'].sort();

test('my_drv loads on 47 and stops at module_layout on 50 and 56 with 11 CRC mismatches', async t => {
	const module = await fixtureModule('my_drv-6.1.0-47-amd64.ko');
	const ok = checkModule(module, await symversKernel('6.1.0-47-amd64'));
	t.true(ok.loads);
	t.is(ok.first_failure, null);
	t.deepEqual(ok.problems, []);
	for (const release of ['6.1.0-50-amd64', '6.1.0-56-amd64'] as const) {
		// eslint-disable-next-line no-await-in-loop
		const result = checkModule(module, await symversKernel(release));
		t.false(result.loads);
		t.is(result.stops_at, 'module_layout');
		t.deepEqual(result.first_failure?.log, ['my_drv: disagrees about version of symbol module_layout']);
		t.deepEqual(result.dmesg, ['my_drv: disagrees about version of symbol module_layout']);
		t.true(result.problems.every(problem => problem.kind === 'crc'));
		t.deepEqual(result.problems.map(problem => problem.symbol).sort(), myDrvMismatches);
	}

	const on56 = checkModule(module, await symversKernel('6.1.0-56-amd64'));
	const misc = on56.problems.find(problem => problem.symbol === 'misc_register')!;
	t.is(misc.module_crc, '0xf2c48af4');
	t.is(misc.kernel_crc, '0x844c8938');
	t.is(misc.exporter, 'vmlinux');
	t.deepEqual(misc.log, ['my_drv: disagrees about version of symbol misc_register', 'my_drv: Unknown symbol misc_register (err -22)']);
});

test('ABI groups: 47, 50 and 56 each need their own build of my_drv; 47 twice is one group', async t => {
	const module = await fixtureModule('my_drv-6.1.0-47-amd64.ko');
	const kernels = [await symversKernel('6.1.0-47-amd64', 'a'), await symversKernel('6.1.0-50-amd64', 'b'), await symversKernel('6.1.0-56-amd64', 'c'), await symversKernel('6.1.0-47-amd64', 'd')];
	t.deepEqual(abiGroups(module, kernels), [['a', 'd'], ['b'], ['c']]);
});

test('every corpus module loads on its own kernel (all arches)', async t => {
	const cases: Array<[string, Parameters<typeof symversKernel>[0]]> = [
		['6.1.0-47-amd64/usb-storage.ko', '6.1.0-47-amd64'],
		['6.1.0-47-amd64/uas.ko', '6.1.0-47-amd64'],
		['6.1.0-47-amd64/cxl_pci.ko', '6.1.0-47-amd64'],
		['6.1.0-47-amd64/nls_utf8.ko', '6.1.0-47-amd64'],
		['6.1.0-47-amd64/dummy.ko', '6.1.0-47-amd64'],
		['6.1.0-56-amd64/usb-storage.ko', '6.1.0-56-amd64'],
		['6.1.0-56-amd64/uas.ko', '6.1.0-56-amd64'],
		['6.1.0-56-amd64/nls_utf8.ko', '6.1.0-56-amd64'],
		['6.1.0-47-s390x/nls_utf8.ko', '6.1.0-47-s390x'],
		['6.1.0-47-686-pae/nls_utf8.ko', '6.1.0-47-686-pae'],
		['my_drv-6.1.0-47-amd64.ko', '6.1.0-47-amd64'],
	];
	for (const [file, release] of cases) {
		// eslint-disable-next-line no-await-in-loop
		const result = checkModule(await fixtureModule(file), await symversKernel(release));
		t.true(result.loads, `${file}: ${JSON.stringify(result.problems)}`);
	}

	for (const release of ['6.1.0-47-amd64', '6.1.0-56-amd64'] as const) {
		// eslint-disable-next-line no-await-in-loop
		const result = checkModule(await fixtureModule(`${release}/uas.ko`), await kernelDirectory(t, release));
		t.true(result.loads, release);
		t.deepEqual(result.warnings.map(w => w.kind), [], release);
	}
});

test('symbols exported by modules name their exporter; uas from 47 on 56 fails on usb-storage symbols too', async t => {
	const result = checkModule(await fixtureModule('6.1.0-47-amd64/uas.ko'), await symversKernel('6.1.0-56-amd64'));
	t.false(result.loads);
	t.true(result.problems.some(problem => problem.exporter === 'drivers/usb/storage/usb-storage'));
	t.true(result.problems.some(problem => problem.exporter === 'drivers/usb/core/usbcore'));
});

test('missing: a kernel without usb-storage has none of the usb_stor_* symbols uas needs', async t => {
	const kernel = await kernelDirectory(t, '6.1.0-47-amd64', {symvers: text => text.split('\n').filter(line => !line.includes('drivers/usb/storage/usb-storage')).join('\n')});
	const result = checkModule(await fixtureModule('6.1.0-47-amd64/uas.ko'), kernel);
	t.false(result.loads);
	t.is(result.stops_at, 'symbols');
	t.true(result.problems.length > 0);
	t.true(result.problems.every(problem => problem.kind === 'missing' && problem.symbol!.startsWith('usb_stor_')));
	t.deepEqual(result.first_failure!.log, [`uas: Unknown symbol ${result.first_failure!.symbol!} (err -2)`]);
	// Every failing symbol gets its line: the loop does not stop at the first.
	t.is(result.dmesg.filter(line => line.includes('Unknown symbol')).length, result.problems.length);
});

test('namespace: uas without MODULE_IMPORT_NS(USB_STORAGE)', async t => {
	const data = replaceOnce(readFileSync(fixture('modules/6.1.0-47-amd64/uas.ko')), 'import_ns=USB_STORAGE', 'import_ns=USB_STORAGX');
	const result = checkModule(derivedModule(data, 'uas.ko'), await symversKernel('6.1.0-47-amd64'));
	t.false(result.loads);
	t.deepEqual(result.problems.map(problem => problem.symbol).sort(), ['usb_stor_adjust_quirks', 'usb_stor_sense_invalidCDB']);
	for (const problem of result.problems) {
		t.is(problem.kind, 'namespace');
		t.deepEqual(problem.log, [`uas: module uses symbol (${problem.symbol!}) from namespace USB_STORAGE, but does not import it.`, `uas: Unknown symbol ${problem.symbol!} (err -22)`]);
	}
});

test('gpl_only: a non-GPL license cannot use EXPORT_SYMBOL_GPL symbols, and taints', async t => {
	const data = replaceOnce(readFileSync(fixture('modules/6.1.0-47-amd64/uas.ko')), 'license=GPL', 'license=BSD');
	const kernel = await symversKernel('6.1.0-47-amd64');
	const result = checkModule(derivedModule(data, 'uas.ko'), kernel);
	t.false(result.loads);
	const gplOnly = result.problems.filter(problem => problem.kind === 'gpl_only');
	t.true(gplOnly.length > 0);
	for (const problem of gplOnly) {
		t.is(kernel.exports.get(problem.symbol!)?.exportType, 'EXPORT_SYMBOL_GPL');
		t.deepEqual(problem.log, [`uas: Unknown symbol ${problem.symbol!} (err -2)`]);
	}

	t.true(result.warnings.some(w => w.kind === 'license_taint' && w.log[0] === "uas: module license 'BSD' taints kernel."));
	// Dual BSD/GPL is GPL-compatible.
	t.true(checkModule(await fixtureModule('6.1.0-47-amd64/nls_utf8.ko'), kernel).loads);
});

test('vermagic: with CRCs only the flags after the release are compared', async t => {
	const module = await fixtureModule('my_drv-6.1.0-47-amd64.ko');
	// 56's flags equal 47's: the release differs, vermagic passes, module_layout fails.
	const on56 = checkModule(module, await kernelDirectory(t, '6.1.0-56-amd64'));
	t.false(on56.problems.some(problem => problem.kind === 'vermagic'));
	const noPreempt = await kernelDirectory(t, '6.1.0-47-amd64', {config: text => text.replace('CONFIG_PREEMPT_BUILD=y', '# CONFIG_PREEMPT_BUILD is not set')});
	const result = checkModule(module, noPreempt);
	t.false(result.loads);
	t.is(result.stops_at, 'vermagic');
	// That folder does not tell the kernel's release, so nothing may stand for it: no made-up log line.
	t.is(noPreempt.release, undefined);
	t.is(noPreempt.vermagic, undefined);
	t.deepEqual(result.first_failure!.log, []);
	t.deepEqual(result.dmesg, []);
	t.regex(result.first_failure!.message, /the module has 'SMP preempt mod_unload modversions ' after its release, the kernel expects 'SMP mod_unload modversions '/);
	// With the release known (include/generated/utsrelease.h), the kernel's own line.
	const directory = temporaryDirectory(t);
	writeTemporary(directory, 'Module.symvers', readGzipText(fixture('kernels/6.1.0-47-amd64/Module.symvers.gz')));
	writeTemporary(directory, 'config', readGzipText(fixture('kernels/6.1.0-47-amd64/config.gz')).replace('CONFIG_PREEMPT_BUILD=y', '# CONFIG_PREEMPT_BUILD is not set'));
	writeTemporary(directory, 'include/generated/utsrelease.h', '#define UTS_RELEASE "6.1.0-47-amd64"\n');
	const known = checkModule(module, await loadKernel({label: 'k', source: directory}));
	t.deepEqual(known.first_failure!.log, ["my_drv: version magic '6.1.0-47-amd64 SMP preempt mod_unload modversions ' should be '6.1.0-47-amd64 SMP mod_unload modversions '"]);
});

test('no_version: a symbol missing from __versions fails on Debian and warns upstream', async t => {
	const data = replaceOnce(readFileSync(fixture('modules/my_drv-6.1.0-47-amd64.ko')), '\0misc_register\0', '\0misc_registeX\0');
	const module = derivedModule(data, 'my_drv.ko');
	const kernel = await symversKernel('6.1.0-47-amd64');
	const debian = checkModule(module, kernel);
	t.false(debian.loads);
	t.deepEqual(debian.problems.map(problem => [problem.kind, problem.symbol]), [['no_version', 'misc_register']]);
	t.deepEqual(debian.problems[0]!.log, ['my_drv: no symbol version for misc_register', 'my_drv: Unknown symbol misc_register (err -22)']);
	const upstream = checkModule(module, kernel, {missingVersion: 'warn'});
	t.true(upstream.loads);
	t.true(upstream.warnings.some(w => w.kind === 'no_version' && w.symbol === 'misc_register'));
});

test('a symbol without a CRC in a namespace not imported: resolve_symbol() checks the namespace only after check_version() accepts', async t => {
	// Debian's check_version() refuses the missing CRC and resolve_symbol() stops there; upstream's
	// accepts it and goes on to verify_namespace_is_imported() (kernel/module/main.c).
	let data = replaceOnce(readFileSync(fixture('modules/6.1.0-47-amd64/uas.ko')), 'import_ns=USB_STORAGE', 'import_ns=USB_STORAGX');
	data = replaceOnce(data, 'usb_stor_adjust_quirks\0\0', 'usb_stor_adjust_quirkX\0\0');
	const module = derivedModule(data, 'uas.ko');
	t.is(module.imports.find(symbol => symbol.name === 'usb_stor_adjust_quirks')?.crc, undefined, 'the __versions entry was renamed');
	const kernel = await symversKernel('6.1.0-47-amd64');
	const kinds = (result: ReturnType<typeof checkModule>) => result.problems.map(problem => [problem.kind, problem.symbol]).sort();
	t.deepEqual(kinds(checkModule(module, kernel)), [['namespace', 'usb_stor_sense_invalidCDB'], ['no_version', 'usb_stor_adjust_quirks']]);
	const upstream = checkModule(module, kernel, {missingVersion: 'warn'});
	t.false(upstream.loads);
	t.deepEqual(kinds(upstream), [['namespace', 'usb_stor_adjust_quirks'], ['namespace', 'usb_stor_sense_invalidCDB']]);
});

test('no_versions: a module without __versions is refused unless the kernel forces loads', async t => {
	const data = replaceOnce(readFileSync(fixture('modules/6.1.0-47-amd64/dummy.ko')), '\0__versions\0', '\0__versionz\0');
	const module = derivedModule(data, 'dummy.ko');
	t.false(module.hasVersions);
	const plain = checkModule(module, await symversKernel('6.1.0-47-amd64'));
	t.false(plain.loads);
	t.is(plain.first_failure?.kind, 'no_versions');
	// Debian sets CONFIG_MODULE_FORCE_LOAD: no CRC check, a taint; vermagic then compares the whole string.
	const debian = checkModule(module, await kernelDirectory(t, '6.1.0-47-amd64', {}, '47'));
	t.true(debian.warnings.some(w => w.kind === 'forced'));
});

test('arch: an s390x module on an x86-64 kernel stops at the ELF header', async t => {
	const result = checkModule(await fixtureModule('6.1.0-47-s390x/nls_utf8.ko'), await kernelDirectory(t, '6.1.0-47-amd64'));
	t.false(result.loads);
	t.is(result.stops_at, 'arch');
	t.deepEqual(result.dmesg, ['Invalid architecture in ELF header: 22']);
});

test('weak undefined symbols that are not found are fine', async t => {
	const module = await fixtureModule('my_drv-6.1.0-47-amd64.ko');
	const kernel = await kernelDirectory(t, '6.1.0-47-amd64', {symvers: text => text.split('\n').filter(line => !line.includes('\tmisc_register\t')).join('\n')});
	const strong = checkModule(module, kernel);
	t.deepEqual(strong.problems.map(problem => [problem.kind, problem.symbol]), [['missing', 'misc_register']]);
	const weak = checkModule({...module, imports: module.imports.map(i => (i.name === 'misc_register' ? {...i, weak: true} : i))}, kernel);
	t.true(weak.loads);
});

test('a brief verdict (the matrix) has the same loads, stages, kinds, symbols and exporters, without the words', async t => {
	const cases = [
		['my_drv-6.1.0-47-amd64.ko', '6.1.0-56-amd64'],
		['6.1.0-47-amd64/uas.ko', '6.1.0-56-amd64'],
		['6.1.0-47-amd64/uas.ko', '6.1.0-47-amd64'],
		['6.1.0-47-s390x/nls_utf8.ko', '6.1.0-47-amd64'],
	] as const;
	const outline = (verdict: ReturnType<typeof checkModule>) => ({
		loads: verdict.loads,
		stops_at: verdict.stops_at,
		problems: verdict.problems.map(problem => [problem.kind, problem.symbol, problem.exporter]),
		warnings: verdict.warnings.map(warning => warning.kind),
	});
	let problems = 0;
	for (const [file, release] of cases) {
		const module = await fixtureModule(file); // eslint-disable-line no-await-in-loop
		const kernel = await symversKernel(release); // eslint-disable-line no-await-in-loop
		const full = checkModule(module, kernel);
		const brief = checkModule(module, kernel, undefined, {brief: true});
		t.deepEqual(outline(brief), outline(full), `${file} on ${release}`);
		t.true(brief.problems.every(problem => problem.message === '' && problem.log.length === 0 && problem.module_crc === null));
		problems += full.problems.length;
		// firstFailureOnly: the kernel's own early stop; what it finds up to there is the same.
		const first = checkModule(module, kernel, undefined, {brief: true, firstFailureOnly: true});
		const early = full.stops_at !== null && full.stops_at !== 'symbols';
		t.true(!early || earlyStopKinds.includes(full.first_failure!.kind), `${full.first_failure?.kind} stops before the symbols`);
		t.deepEqual(outline(first), early ? {...outline(full), problems: outline(full).problems.slice(0, 1), warnings: []} : outline(full), `${file} on ${release}, first failure only`);
	}

	t.true(problems >= 11);
});

test('firstFailureOnly never asks for the symbols\' exports when the check stops before them', async t => {
	const module = await fixtureModule('my_drv-6.1.0-47-amd64.ko');
	let asked = 0;
	const resolved = () => {
		asked++;
		return module.imports.map(() => undefined);
	};

	const stopped = checkModule(module, await symversKernel('6.1.0-56-amd64'), undefined, {brief: true, firstFailureOnly: true, resolved});
	t.is(stopped.stops_at, 'module_layout');
	t.is(asked, 0);
	const own = await symversKernel('6.1.0-47-amd64');
	const loads = checkModule(module, own, undefined, {brief: true, firstFailureOnly: true, resolved: () => module.imports.map(symbol => own.exports.get(symbol.name))});
	t.true(loads.loads);
	checkModule(module, own, undefined, {brief: true, firstFailureOnly: true, resolved});
	t.is(asked, 1);
});
