import {spawnSync} from 'node:child_process';
import {copyFileSync, existsSync, mkdirSync, renameSync, rmSync, statSync, symlinkSync, utimesSync} from 'node:fs';
import path from 'node:path';
import test from 'ava';
import {formatCrc} from '../../source/common/hex.js';
import {InputError} from '../../source/common/input-error.js';
import {exporterName} from '../../source/kernel/installed-tree.js';
import type {Kernel} from '../../source/kernel/kernel.js';
import {loadKernel} from '../../source/kernel/load-kernel.js';
import {findModules} from '../../source/module/find-modules.js';
import {readModuleFile} from '../../source/module/read-module.js';
import {checkModule} from '../../source/verdict/check-module.js';
import {readGzipText, temporaryDirectory} from '../helpers/derive.js';
import {corpusImage, defaultTreeFiles, fakeTree, release} from '../helpers/installed.js';
import {needs, oracleProgram} from '../helpers/oracles.js';
import {fixture} from '../helpers/paths.js';

/** The independent reference: the build's own Module.symvers, read as plain text. */
type SymversLine = {crc: string; name: string; module: string; type: string; namespace: string};
const symvers47: SymversLine[] = readGzipText(fixture('kernels', release, 'Module.symvers.gz')).trim().split('\n').map(line => {
	const [crc, name, module, type, namespace] = line.split('\t');
	return {crc: crc!, name: name!, module: module!, type: type!, namespace: namespace ?? ''};
});

/** Every export of the kernel as Module.symvers lines: `crc name module type namespace`. */
function lines(kernel: Kernel): string[] {
	return [...kernel.exports.all()].map(entry => [entry.crc === undefined ? '' : formatCrc(entry.crc), entry.name, entry.module, entry.exportType, entry.namespace].join('\t')).sort();
}

function reference(modules: string[]): string[] {
	const wanted = new Set(['vmlinux', ...modules]);
	return symvers47.filter(line => wanted.has(line.module)).map(line => [line.crc, line.name, line.module, line.type, line.namespace].join('\t')).sort();
}

const treeModules = ['drivers/usb/storage/usb-storage', 'net/netfilter/x_tables'];

/** The fake trees hold the corpus image and modules compressed with xz and zstd. */
const withTree = needs('corpus', 'xz', 'zstd');

withTree('an installed kernel: vmlinux\'s exports from the image and each module\'s, as the build\'s Module.symvers lists them', async t => {
	const tree = fakeTree(t);
	const kernel = await loadKernel({label: undefined, source: tree.modules});
	t.is(kernel.kind, 'installed');
	t.is(kernel.label, release);
	t.is(kernel.release, release);
	t.is(kernel.vermagic, '6.1.0-47-amd64 SMP preempt mod_unload modversions ');
	t.is(kernel.machine, 62);
	t.true(kernel.modulesIncluded);
	t.deepEqual(kernel.config, {forceLoad: true, moduleSig: true, retpoline: true});
	t.deepEqual(kernel.modules, {counted: defaultTreeFiles.length, skipped: [], unreadable: []});
	t.true(kernel.typeSources.some(source => source.kind === 'btf'));
	// Names, CRCs, exporters (Module.symvers' module paths), export types and namespaces, all equal.
	t.deepEqual(lines(kernel), reference(treeModules));
	// The second load comes from the cache, and is the same.
	const again = await loadKernel({label: 'again', source: tree.modules});
	t.is(again.label, 'again');
	t.deepEqual(lines(again), lines(kernel));
	t.is(again.vermagic, kernel.vermagic);
	t.deepEqual(again.modules, kernel.modules);
});

withTree('the same installed kernel as a root (an unpacked package), under usr/lib/modules, with the image beside the modules (Fedora, Arch), and by release name', async t => {
	const expected = reference(treeModules);
	const debian = fakeTree(t);
	t.deepEqual(lines(await loadKernel({label: undefined, source: debian.root})), expected);
	const usr = fakeTree(t, {usr: true});
	t.deepEqual(lines(await loadKernel({label: undefined, source: usr.modules})), expected);
	const fedora = fakeTree(t, {imageInModules: true, config: false});
	const inside = await loadKernel({label: undefined, source: fedora.modules});
	t.deepEqual(lines(inside), expected);
	// No config: the vermagic still comes from the image.
	t.is(inside.vermagic, '6.1.0-47-amd64 SMP preempt mod_unload modversions ');
	t.is(inside.config, undefined);
	// A release without headers or symvers resolves to the installed kernel.
	const byName = await loadKernel({label: undefined, source: release}, {root: debian.root});
	t.is(byName.kind, 'installed');
	t.is(byName.source, release);
	t.deepEqual(lines(byName), expected);
});

withTree('a module the kernel would refuse (another build\'s, in updates/) exports nothing, and shadows the one in kernel/ as depmod does', async t => {
	const tree = fakeTree(t, {files: [...defaultTreeFiles, {at: 'updates/dkms/usb-storage.ko', from: fixture('modules/6.1.0-56-amd64/usb-storage.ko')}]});
	const kernel = await loadKernel({label: undefined, source: tree.modules});
	t.deepEqual(kernel.modules?.skipped, ['updates/dkms/usb-storage.ko: module_layout differs: built for another kernel']);
	t.is(kernel.exports.get('usb_stor_sense_invert'), undefined);
	t.deepEqual(lines(kernel), reference(['net/netfilter/x_tables']));
});

needs('corpus')('a changed tree is never served from the cache: a module removed, added or rewritten', async t => {
	const tree = fakeTree(t, {files: defaultTreeFiles.map(file => ({...file, compress: undefined}))});
	t.deepEqual(lines(await loadKernel({label: undefined, source: tree.modules})), reference(treeModules));
	const x = path.join(tree.modules, 'kernel/net/netfilter/x_tables.ko');
	const aside = path.join(tree.root, 'x_tables.ko');
	renameSync(x, aside);
	t.deepEqual(lines(await loadKernel({label: undefined, source: tree.modules})), reference(['drivers/usb/storage/usb-storage']));
	renameSync(aside, x);
	t.deepEqual(lines(await loadKernel({label: undefined, source: tree.modules})), reference(treeModules));
	// Same size and mtime, other content (another build's module): ctime tells.
	const storage = path.join(tree.modules, 'kernel/drivers/usb/storage/usb-storage.ko');
	const stats = statSync(storage);
	copyFileSync(fixture('modules/6.1.0-56-amd64/usb-storage.ko'), storage);
	utimesSync(storage, stats.atime, stats.mtime);
	const rewritten = await loadKernel({label: undefined, source: tree.modules});
	t.is(rewritten.exports.get('usb_stor_sense_invert'), undefined);
	t.is(rewritten.modules?.skipped.length, 1);
});

needs('corpus')('an installed kernel with its image and no modules is refused', async t => {
	const empty = temporaryDirectory(t);
	mkdirSync(path.join(empty, 'lib/modules', release, 'kernel'), {recursive: true});
	mkdirSync(path.join(empty, 'boot'));
	copyFileSync(corpusImage, path.join(empty, 'boot', `vmlinuz-${release}`));
	await t.throwsAsync(loadKernel({label: undefined, source: path.join(empty, 'lib/modules', release)}), {message: /no kernel modules/});
});

needs('xz', 'zstd')('bad installed kernels: no image, several releases, not a kernel at all', async t => {
	const noImage = fakeTree(t, {image: false});
	const error = await t.throwsAsync(loadKernel({label: undefined, source: noImage.modules}), {instanceOf: InputError});
	t.regex(error!.message, /an installed kernel needs its image for vmlinux's exports; none found \(looked for .*vmlinuz, .*boot\/vmlinuz-6\.1\.0-47-amd64/);
	const empty = temporaryDirectory(t);
	mkdirSync(path.join(empty, 'lib/modules', release, 'kernel'), {recursive: true});
	mkdirSync(path.join(empty, 'lib/modules/6.1.0-56-amd64/kernel'), {recursive: true});
	await t.throwsAsync(loadKernel({label: undefined, source: empty}), {message: /holds several installed kernels \(6\.1\.0-47-amd64, 6\.1\.0-56-amd64\)/});
	const nothing = temporaryDirectory(t);
	await t.throwsAsync(loadKernel({label: undefined, source: nothing}), {message: /not a kernel: no Module\.symvers here .*and not an installed kernel/});
	rmSync(nothing, {recursive: true});
	t.false(existsSync(nothing));
});

test('exporters are named as Module.symvers names them', t => {
	t.is(exporterName('/lib/modules/r', '/lib/modules/r/kernel/drivers/usb/storage/usb-storage.ko.xz'), 'drivers/usb/storage/usb-storage');
	t.is(exporterName('/lib/modules/r', '/lib/modules/r/updates/dkms/compat_xtables.ko'), 'updates/dkms/compat_xtables');
});

needs('corpus', 'xz', 'zstd', 'modprobe')('verdicts on an installed kernel equal modprobe --dump-modversions joined with the Module.symvers lines of what is installed', async t => {
	const tree = fakeTree(t);
	const kernel = await loadKernel({label: 'tree', source: tree.modules});
	const installed = new Map(symvers47.filter(line => line.module === 'vmlinux' || treeModules.includes(line.module)).map(line => [line.name, line.crc]));
	const modules = [...findModules([fixture('modules/6.1.0-47-amd64'), fixture('dkms/6.1.0-47-amd64')]), fixture('modules/my_drv-6.1.0-47-amd64.ko')];
	let problems = 0;
	for (const file of modules) {
		const dump = spawnSync(oracleProgram('modprobe'), ['--dump-modversions', file], {encoding: 'utf8'}).stdout.trim().split('\n').map(line => line.split('\t'));
		const expected = dump.flatMap(([crc, name]) => {
			const found = installed.get(name!);
			return found === undefined ? [`missing ${name!}`] : (found === crc ? [] : [`crc ${name!}`]);
		}).sort();
		// eslint-disable-next-line no-await-in-loop
		const result = checkModule(await readModuleFile(file), kernel);
		const got = result.problems.map(problem => `${problem.kind} ${problem.symbol ?? ''}`).sort();
		t.deepEqual(got, expected, file);
		t.is(result.loads, expected.length === 0, file);
		t.false(result.warnings.some(warning => warning.kind === 'unresolved'), file);
		problems += got.length;
	}

	// Modules whose imports are not all installed here (usbcore, scsi, videodev…): missing, never undecided.
	t.true(problems > 20);
});

withTree('a broken .ko.xz and one over the size limit leave only what they may export undecided, with why; the kernel is used', async t => {
	const tree = fakeTree(t);
	// usb-storage.ko.xz cut in half (a damaged package), and a .ko.xz that decompresses past 256 MiB.
	const storage = tree.files.find(file => file.endsWith('usb-storage.ko.xz'))!;
	const {readFileSync, truncateSync, writeFileSync} = await import('node:fs');
	truncateSync(storage, Math.floor(readFileSync(storage).length / 2));
	const bomb = path.join(tree.modules, 'kernel/drivers/bomb/bomb.ko.xz');
	mkdirSync(path.dirname(bomb), {recursive: true});
	writeFileSync(bomb, spawnSync(oracleProgram('xz'), ['-0', '-T1', '--check=crc32', '-c'], {input: Buffer.alloc(270_000_000), maxBuffer: 16 * 1024 * 1024}).stdout);
	const kernel = await loadKernel({label: 'broken', source: tree.modules});
	t.is(kernel.modules!.counted, defaultTreeFiles.length - 1);
	t.deepEqual(kernel.modules!.unreadable!.map(entry => entry.split(': ')[0]), ['kernel/drivers/bomb/bomb.ko.xz', 'kernel/drivers/usb/storage/usb-storage.ko.xz']);
	t.regex(kernel.modules!.unreadable![0]!, /decompressed size exceeds 256 MiB \(limit\)$/);
	// The other modules' exports are there, as the build's Module.symvers lists them.
	t.deepEqual(lines(kernel), reference(['net/netfilter/x_tables']));
	// uas imports usb-storage's and scsi_mod's exports (scsi_mod is not in this tree): those the
	// readable tree lacks (the reference: modprobe's list of uas's imports less the Module.symvers
	// lines of vmlinux and x_tables) are undecided, naming the unreadable modules; not missing.
	const uas = await readModuleFile(fixture('modules/6.1.0-47-amd64/uas.ko'));
	const versions = spawnSync(oracleProgram('modprobe'), ['--dump-modversions', fixture('modules/6.1.0-47-amd64/uas.ko')], {encoding: 'utf8'}).stdout.trim().split('\n').map(line => line.split('\t')[1]!);
	const present = new Set(symvers47.filter(line => line.module === 'vmlinux' || line.module === 'net/netfilter/x_tables').map(line => line.name));
	const notFound = versions.filter(name => !present.has(name)).sort();
	t.true(notFound.includes('usb_stor_adjust_quirks') && notFound.includes('scsi_host_put'));
	const verdict = checkModule(uas, kernel, {missingVersion: 'fatal'});
	t.is(verdict.verdict, 'undecided');
	t.deepEqual(verdict.problems, []);
	t.deepEqual(verdict.warnings.filter(warning => warning.kind === 'unresolved').map(warning => warning.symbol).sort(), notFound);
	t.regex(verdict.warnings.find(warning => warning.kind === 'unresolved')!.message, /a module of the tree that cannot be read may export it \(kernel\/drivers\/bomb\/bomb\.ko\.xz: decompressed size exceeds 256 MiB \(limit\) and 1 more\)$/);
	// A module that needs only vmlinux loads.
	t.is(checkModule(await readModuleFile(fixture('modules/6.1.0-47-amd64/dummy.ko')), kernel, {missingVersion: 'fatal'}).verdict, 'loads');
});

withTree('a modules directory whose kernel/ is a link (a tree assembled from an unpacked package) is walked through it, as depmod does', async t => {
	const tree = fakeTree(t);
	const root = temporaryDirectory(t, 'linked');
	const modules = path.join(root, 'lib', 'modules', release);
	mkdirSync(modules, {recursive: true});
	mkdirSync(path.join(root, 'boot'));
	symlinkSync(path.join(tree.root, 'boot', `vmlinuz-${release}`), path.join(root, 'boot', `vmlinuz-${release}`));
	symlinkSync(path.join(tree.modules, 'kernel'), path.join(modules, 'kernel'));
	// A link back up makes a loop: entered once.
	symlinkSync(modules, path.join(tree.modules, 'kernel', 'loop'));
	const kernel = await loadKernel({label: undefined, source: modules});
	t.deepEqual(kernel.modules, {counted: defaultTreeFiles.length, skipped: [], unreadable: []});
	t.deepEqual(lines(kernel), reference(treeModules));
});
