import {spawnSync} from 'node:child_process';
import {existsSync, readFileSync, symlinkSync} from 'node:fs';
import path from 'node:path';
import test from 'ava';
import {ElfFile, SHT_SYMTAB} from '../../source/elf/elf-file.js';
import {findModules} from '../../source/module/find-modules.js';
import {readModuleFile} from '../../source/module/read-module.js';
import {buildCheckReport} from '../../source/engine/check-report.js';
import {readModuleSparse} from '../../source/module/read-module-sparse.js';
import {scanModules, type ScanResult} from '../../source/scan/scan-modules.js';
import {PendingSpill, Spill} from '../../source/scan/spill.js';
import {loadKernel} from '../../source/kernel/load-kernel.js';
import {kernelDirectory, symversKernel} from '../helpers/kernels.js';
import {temporaryDirectory, writeTemporary} from '../helpers/derive.js';
import {fixture, repoRoot} from '../helpers/paths.js';

const moduleFiles = () => [
	...findModules([fixture('modules')]),
	...['nls_utf8.ko.xz', 'nls_utf8.ko.gz', 'nls_utf8.ko.zst', 'uas.ko.bcj-blocks.xz'].map(name => fixture('compression', name)),
];

test('the sparse reader gives exactly what reading the whole file gives, for every fixture module (compressed too)', async t => {
	const files = moduleFiles();
	t.true(files.length >= 12);
	for (const file of files) {
		// eslint-disable-next-line no-await-in-loop
		const whole = await readModuleFile(file);
		// Small files are read in one go by default: `wholeUpTo: 0` takes the sparse path for every one.
		for (const wholeUpTo of [undefined, 0]) {
			// eslint-disable-next-line no-await-in-loop
			t.deepEqual(await readModuleSparse(file, {wholeUpTo}), whole, `${file} ${String(wholeUpTo)}`);
		}
	}
});

async function scan(files: string[], kernels: Awaited<ReturnType<typeof symversKernel>>[], workers: number): Promise<ScanResult[]> {
	const results: ScanResult[] = [];
	await scanModules(files, kernels, {missingVersion: 'fatal'}, {workers, onResult: result => results.push(result)});
	return results;
}

test('scanModules, in process and on 2 worker threads, gives buildCheckReport\'s reports in file order', async t => {
	const files = findModules([fixture('modules/6.1.0-47-amd64'), fixture('modules/my_drv-6.1.0-47-amd64.ko')]);
	const kernels = await Promise.all([symversKernel('6.1.0-47-amd64', '47'), symversKernel('6.1.0-50-amd64', '50'), symversKernel('6.1.0-56-amd64', '56')]);
	const expected = buildCheckReport(await Promise.all(files.map(async file => readModuleFile(file))), kernels, {missingVersion: 'fatal'});
	for (const workers of [0, 2]) {
		// eslint-disable-next-line no-await-in-loop
		const results = await scan(files, kernels, workers);
		t.deepEqual(results.map(result => result.index), files.map((_, index) => index));
		t.deepEqual(results.map(result => result.digest.report), expected.modules, `${workers} workers`);
	}
});

test('peers: uas resolves usb_storage\'s exports only on kernels where usb-storage loads itself', async t => {
	// 47 without usb-storage's exports: only the usb-storage.ko of the run can provide them.
	const withoutStorage = (text: string) => text.split('\n').filter(line => !line.includes('drivers/usb/storage/usb-storage')).join('\n');
	const good = await kernelDirectory(t, '6.1.0-47-amd64', {symvers: withoutStorage}, 'nostor');
	// …and also with another CRC for scsi_host_put, which usb-storage imports: it no longer loads.
	const broken = await kernelDirectory(t, '6.1.0-47-amd64', {symvers: text => withoutStorage(text).replace('0x3e511a3f\tscsi_host_put', '0x00000001\tscsi_host_put')}, 'broken');
	const files = [fixture('modules/6.1.0-47-amd64/uas.ko'), fixture('modules/6.1.0-47-amd64/usb-storage.ko')];
	for (const workers of [0, 2]) {
		// eslint-disable-next-line no-await-in-loop
		const [uas, storage] = await scan(files, [good, broken], workers);
		t.deepEqual(storage!.digest.report!.results.map(result => result.loads), [true, false]);
		t.deepEqual(uas!.digest.report!.results.map(result => result.loads), [true, false]);
		const missing = uas!.digest.report!.results[1]!.problems.filter(problem => problem.kind === 'missing').map(problem => problem.symbol);
		t.true(missing.length > 0 && missing.every(symbol => symbol!.startsWith('usb_stor')), missing.join(', '));
		t.true(uas!.peerUses.length > 0);
		t.true(uas!.peerUses.every(use => use.kernel === 'nostor' && use.module === files[1]));
	}

	const report = buildCheckReport(await Promise.all(files.map(async file => readModuleFile(file))), [good, broken], {missingVersion: 'fatal'});
	t.deepEqual(report.modules.map(module => module.results.map(result => result.loads)), [[true, false], [true, false]]);
});

test('the sparse reader reads the whole file when an export name points outside the sections it reads', async t => {
	const data = new Uint8Array(readFileSync(fixture('modules/6.1.0-47-amd64/usb-storage.ko')));
	const elf = new ElfFile(data, 'usb-storage.ko');
	const table = elf.section('__ksymtab_gpl')!;
	const relocation = elf.relocationsFor(table).find(entry => entry.offset === 4n)!; // The first entry's name field.
	const symtab = elf.sections.find(section => section.type === SHT_SYMTAB)!;
	// Its symbol now lies in .text: the whole-file reader takes the name from there, so must the sparse one.
	new DataView(data.buffer).setUint16(symtab.offset + (relocation.symbolIndex * 24) + 6, elf.section('.text')!.index, true);
	const file = writeTemporary(temporaryDirectory(t), 'usb-storage.ko', data);
	const outcome = async (read: () => Promise<unknown>) => read().then(value => ({value}), (error: unknown) => ({error: String(error)}));
	const whole = await outcome(async () => readModuleFile(file));
	t.deepEqual(await outcome(async () => readModuleSparse(file, {wholeUpTo: 0})), whole);
	t.notDeepEqual(whole, await outcome(async () => readModuleFile(fixture('modules/6.1.0-47-amd64/usb-storage.ko'))), 'the edit changed what the module says');
});

test('results behind a module that waits for every module\'s exports wait on disk, and come out the same, in order', async t => {
	// 47 without usb-storage's exports: uas (first) waits until usb-storage (last) is read; the JSON
	// of every module between them goes to the spill file meanwhile.
	const withoutStorage = (text: string) => text.split('\n').filter(line => !line.includes('drivers/usb/storage/usb-storage')).join('\n');
	const kernel = await kernelDirectory(t, '6.1.0-47-amd64', {symvers: withoutStorage}, 'nostor');
	const files = [fixture('modules/6.1.0-47-amd64/uas.ko'), fixture('modules/6.1.0-47-amd64/cxl_pci.ko'), fixture('modules/6.1.0-47-amd64/dummy.ko'), fixture('modules/my_drv-6.1.0-47-amd64.ko'), fixture('modules/6.1.0-47-amd64/usb-storage.ko')];
	const expected = buildCheckReport(await Promise.all(files.map(async file => readModuleFile(file))), [kernel], {missingVersion: 'fatal'});
	for (const workers of [0, 2]) {
		const results: ScanResult[] = [];
		// eslint-disable-next-line no-await-in-loop
		await scanModules(files, [kernel], {missingVersion: 'fatal'}, {workers, digest: {mode: 'json'}, onResult: result => results.push(result)});
		t.deepEqual(results.map(result => result.index), [0, 1, 2, 3, 4]);
		t.deepEqual(results.map(result => JSON.parse(result.digest.json!) as unknown), JSON.parse(JSON.stringify(expected.modules)) as unknown[], `${workers} workers`);
		t.true(results[0]!.digest.verdicts[0]!.verdict === 'loads');
	}
});

test('the spill file: what is put is taken back once, and the directory goes when it closes', t => {
	const spill = new Spill();
	const digest = {name: 'm', path: '/m.ko', verdicts: [{kernel: 'k', verdict: 'fails' as const, kinds: ['crc' as const]}], json: '    {"path":"/m.ko","name":"m — ✓"}'};
	spill.put(7, digest);
	spill.put(3, {...digest, json: undefined, text: 'text\nlines'});
	t.true(spill.has(7));
	t.deepEqual(spill.take(7), digest);
	t.false(spill.has(7));
	t.is(spill.take(7), undefined);
	t.is(spill.take(3)!.text, 'text\nlines');
	const directory = (spill as unknown as {directory: string}).directory;
	t.true(existsSync(directory));
	spill.close();
	t.false(existsSync(directory));
});

test('the pending file gives back every module as it was read, as often as asked, and goes when it closes', async t => {
	const pending = new PendingSpill();
	const modules = await Promise.all(moduleFiles().map(async file => readModuleFile(file)));
	for (const [index, module] of modules.entries()) {
		pending.put(index * 2, module);
	}

	t.is(pending.count, modules.length);
	for (const round of [1, 2]) {
		const seen: unknown[] = [];
		pending.forEach(module => seen.push(module));
		// Fields that are undefined come back absent: the same to every reader of a ModuleInfo.
		t.deepEqual(seen, JSON.parse(JSON.stringify(modules)) as unknown[], `round ${round}`);
	}

	t.true(pending.holds(2));
	t.false(pending.holds(1));
	t.true(pending.has(modules[0]!.path));
	t.true(pending.wanted.has(modules[0]!.imports[0]!.name));
	const directory = (pending as unknown as {directory: string}).directory;
	pending.close();
	t.false(existsSync(directory));
});

test('3,000 modules that all wait for every module\'s exports are scanned in a 48 MiB heap, each reported', async t => {
	// uas.ko imports symbols Debian 7.2.12 lacks, so every copy waits for the others' exports.
	// Before, each waiting module stayed in the heap, then all their reports at once: a heap of
	// 48 MiB (or 64) ran out (141 MiB resident at 32); now they wait on disk.
	const directory = temporaryDirectory(t, 'pending');
	const files = Array.from({length: 3000}, (_, index) => {
		const file = path.join(directory, `uas-${index}.ko`);
		symlinkSync(fixture('modules/6.1.0-47-amd64/uas.ko'), file);
		return file;
	});
	const child = spawnSync(process.execPath, ['--max-old-space-size=48', path.join(repoRoot, 'build/test/helpers/scan-pending-child.js'), ...files], {encoding: 'utf8', timeout: 600_000});
	t.is(child.status, 0, child.stderr.split('\n').slice(0, 8).join('\n'));
	const kernels = await Promise.all([
		loadKernel({label: '47', source: fixture('kernels', '6.1.0-47-amd64', 'Module.symvers.gz')}),
		loadKernel({label: '72', source: fixture('kernels', '7.2.12+deb13-amd64', 'Module.symvers.gz')}),
	]);
	// The oracle: the module alone, checked in memory without the scan.
	const alone = buildCheckReport([await readModuleFile(files[0]!)], kernels, {missingVersion: 'fatal'}).modules[0]!;
	t.deepEqual(alone.results.map(result => result.verdict), ['loads', 'fails']);
	t.deepEqual(JSON.parse(child.stdout) as unknown, {elements: 3000, verdicts: Object.fromEntries(alone.results.map(result => [`${result.kernel} ${result.verdict}`, 3000]))});
});
