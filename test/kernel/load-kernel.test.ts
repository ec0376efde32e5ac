import {mkdirSync, readFileSync, symlinkSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {gzipSync} from 'node:zlib';
import test, {type ExecutionContext} from 'ava';
import {cacheEntryPath, contentHash} from '../../source/common/cache.js';
import {InputError} from '../../source/common/input-error.js';
import {labelFromPath, parseKernelSpec} from '../../source/kernel/kernel-spec.js';
import {loadKernel} from '../../source/kernel/load-kernel.js';
import {isCachedKernel} from '../../source/kernel/vmlinux.js';
import {readGzipText, temporaryDirectory, writeTemporary} from '../helpers/derive.js';
import {needs} from '../helpers/oracles.js';
import {corpus, fixture} from '../helpers/paths.js';
import {runCli} from '../helpers/run-cli.js';

/**
Points the cache (KMODX_CACHE_DIR) at a new temporary directory until the test ends, then back.
The environment is the process's: such tests are serial, so no other test writes to it meanwhile.
*/
function scratchCache(t: ExecutionContext): void {
	const directory = temporaryDirectory(t, 'cache');
	const previous = process.env['KMODX_CACHE_DIR'];
	process.env['KMODX_CACHE_DIR'] = directory;
	// Teardowns run last-registered first: the setting is back before the directory goes.
	t.teardown(() => {
		if (previous === undefined) {
			delete process.env['KMODX_CACHE_DIR'];
		} else {
			process.env['KMODX_CACHE_DIR'] = previous;
		}
	});
}

test('-k LABEL=SOURCE and plain SOURCE', t => {
	t.deepEqual(parseKernelSpec('47=/x/Module.symvers'), {label: '47', source: '/x/Module.symvers'});
	t.deepEqual(parseKernelSpec('/x/Module.symvers'), {label: undefined, source: '/x/Module.symvers'});
	t.deepEqual(parseKernelSpec('6.1.0-56-amd64'), {label: undefined, source: '6.1.0-56-amd64'});
	t.throws(() => parseKernelSpec(''), {instanceOf: InputError});
});

test('labels default to the release, else a name from the path', t => {
	t.is(labelFromPath('/k/debian-6.1.0-50-amd64/Module.symvers.gz'), 'debian-6.1.0-50-amd64');
	t.is(labelFromPath('/boot/vmlinuz'), 'boot');
	t.is(labelFromPath('/tmp/old.symvers.gz'), 'old.symvers');
});

test('a headers directory: Module.symvers, .config, include/config/kernel.release', async t => {
	const directory = temporaryDirectory(t);
	writeTemporary(directory, 'Module.symvers', readGzipText(fixture('kernels/6.1.0-56-amd64/Module.symvers.gz')));
	writeTemporary(directory, '.config', readGzipText(fixture('kernels/6.1.0-56-amd64/config.gz')));
	writeTemporary(directory, 'include/config/kernel.release', '6.1.0-56-amd64\n');
	const kernel = await loadKernel({label: undefined, source: directory});
	t.is(kernel.kind, 'headers');
	t.is(kernel.label, '6.1.0-56-amd64');
	t.is(kernel.release, '6.1.0-56-amd64');
	t.is(kernel.vermagic, '6.1.0-56-amd64 SMP preempt mod_unload modversions ');
	t.is(kernel.machine, 62);
	t.true(kernel.config?.forceLoad);
	t.true(kernel.config?.moduleSig);
	t.is(kernel.exports.size, 24_683);
	// Debian's headers: kernel.release says 6.1.192, utsrelease.h the real release.
	writeTemporary(directory, 'include/config/kernel.release', '6.1.192\n');
	writeTemporary(directory, 'include/generated/utsrelease.h', '#define UTS_RELEASE "6.1.0-56-amd64"\n');
	t.is((await loadKernel({label: undefined, source: directory})).release, '6.1.0-56-amd64');
});

test('a release name resolves through /lib/modules/<release>/build and /boot/symvers-<release>.gz', async t => {
	const root = temporaryDirectory(t);
	const build = path.join(root, 'usr/src/linux-headers-6.1.0-47-amd64');
	mkdirSync(build, {recursive: true});
	writeTemporary(build, 'Module.symvers', readGzipText(fixture('kernels/6.1.0-47-amd64/Module.symvers.gz')));
	mkdirSync(path.join(root, 'lib/modules/6.1.0-47-amd64'), {recursive: true});
	symlinkSync(build, path.join(root, 'lib/modules/6.1.0-47-amd64/build'));
	writeTemporary(root, 'boot/symvers-6.1.0-50-amd64.gz', readFileSync(fixture('kernels/6.1.0-50-amd64/Module.symvers.gz')));
	const k47 = await loadKernel({label: undefined, source: '6.1.0-47-amd64'}, {root});
	t.is(k47.label, '6.1.0-47-amd64');
	t.is(k47.release, '6.1.0-47-amd64');
	t.is(k47.exports.get('module_layout')?.crc, 0x16_0c_03_af);
	const k50 = await loadKernel({label: undefined, source: '6.1.0-50-amd64'}, {root});
	t.is(k50.exports.get('module_layout')?.crc, 0xbc_e1_a9_65);
	const error = await t.throwsAsync(loadKernel({label: undefined, source: '6.9.9-1-amd64'}, {root}), {instanceOf: InputError});
	t.regex(error!.message, /tried .*lib\/modules\/6\.9\.9-1-amd64\/build.*apt install linux-headers-6\.9\.9-1-amd64/);
});

test('compressed symvers: gzip by magic, whatever the name', async t => {
	const directory = temporaryDirectory(t);
	const file = writeTemporary(directory, 'renamed.txt', gzipSync(readGzipText(fixture('kernels/6.1.0-47-amd64/Module.symvers.gz'))));
	const kernel = await loadKernel({label: 'x', source: file});
	t.is(kernel.exports.get('module_layout')?.crc, 0x16_0c_03_af);
});

test('bad kernel sources are one-line input errors', async t => {
	const directory = temporaryDirectory(t);
	await t.throwsAsync(loadKernel({label: undefined, source: directory}), {instanceOf: InputError, message: /no Module\.symvers here/});
	await t.throwsAsync(loadKernel({label: undefined, source: path.join(directory, 'nope')}), {instanceOf: InputError, message: /no such file/});
	await t.throwsAsync(loadKernel({label: undefined, source: fixture('modules/6.1.0-47-amd64/dummy.ko')}), {instanceOf: InputError, message: /kernel module, not a kernel image/});
	const truncated = writeTemporary(directory, 'Module.symvers.gz', readFileSync(fixture('kernels/6.1.0-47-amd64/Module.symvers.gz')).subarray(0, 5000));
	await t.throwsAsync(loadKernel({label: undefined, source: truncated}), {instanceOf: InputError});
});

const vmlinuz = (release: string) => corpus('kernels', `debian-${release}`, 'vmlinuz');

needs('corpus').serial('vmlinuz: CRCs from __kcrctab equal Module.symvers, release and vermagic from the image', async t => {
	scratchCache(t);
	const image = await loadKernel({label: undefined, source: vmlinuz('6.1.0-47-amd64')});
	t.is(image.kind, 'vmlinuz');
	t.is(image.release, '6.1.0-47-amd64');
	t.is(image.vermagic, '6.1.0-47-amd64 SMP preempt mod_unload modversions ');
	t.false(image.modulesIncluded);
	const symvers = await loadKernel({label: undefined, source: fixture('kernels/6.1.0-47-amd64/Module.symvers.gz')});
	let compared = 0;
	for (const entry of symvers.exports.all()) {
		if (entry.module === 'vmlinux') {
			const ours = image.exports.get(entry.name);
			t.deepEqual(ours, entry, entry.name);
			compared++;
		}
	}

	t.is(compared, image.exports.size);
	// The second load comes from the cache and is identical.
	const again = await loadKernel({label: undefined, source: vmlinuz('6.1.0-47-amd64')});
	t.deepEqual([...again.exports.all()], [...image.exports.all()]);
});

test.serial('a parsed Module.symvers is cached and never served stale', async t => {
	scratchCache(t);
	const directory = temporaryDirectory(t);
	const text = readGzipText(fixture('kernels/6.1.0-47-amd64/Module.symvers.gz'));
	const file = writeTemporary(directory, 'Module.symvers', text);
	const first = await loadKernel({label: 'a', source: file});
	const second = await loadKernel({label: 'a', source: file});
	t.is(second.exports.size, first.exports.size);
	t.deepEqual(second.exports.get('module_layout'), first.exports.get('module_layout'));
	t.deepEqual([...second.exports.all()].length, 24_618);
	// Same size, same mtime, other content: ctime still tells.
	writeTemporary(directory, 'Module.symvers', text.replace('0x160c03af\tmodule_layout', '0x00000001\tmodule_layout'));
	const changed = await loadKernel({label: 'a', source: file});
	t.is(changed.exports.get('module_layout')?.crc, 1);
});

test('xz and zstd compressed symvers (the first 3000 real lines of 6.1.0-50)', async t => {
	const reference = readGzipText(fixture('kernels/6.1.0-50-amd64/Module.symvers.gz')).split('\n').slice(0, 3000);
	for (const name of ['Module.symvers-3000.xz', 'Module.symvers-3000.zst']) {
		// eslint-disable-next-line no-await-in-loop
		const kernel = await loadKernel({label: 'x', source: fixture('kernels/derived', name)});
		t.is(kernel.exports.size, 3000, name);
		const [crc, symbol] = reference[2999]!.split('\t');
		t.is(kernel.exports.get(symbol!)?.crc, Number(crc), name);
	}
});

test('the running kernel brings its BTF from /sys/kernel/btf/vmlinux', async t => {
	const root = temporaryDirectory(t);
	const release = os.release();
	writeTemporary(root, `boot/symvers-${release}.gz`, readFileSync(fixture('kernels/6.1.0-47-amd64/Module.symvers.gz')));
	writeTemporary(root, 'sys/kernel/btf/vmlinux', readFileSync(fixture('btf/debian-6.1.0-47-amd64.btf.gz')));
	const kernel = await loadKernel({label: undefined, source: release}, {root});
	t.deepEqual(kernel.typeSources, [{kind: 'btf', path: path.join(root, 'sys/kernel/btf/vmlinux')}]);
	const other = await loadKernel({label: undefined, source: '6.1.0-50-amd64'}, {root: (writeTemporary(root, 'boot/symvers-6.1.0-50-amd64.gz', readFileSync(fixture('kernels/6.1.0-50-amd64/Module.symvers.gz'))), root)});
	t.deepEqual(other.typeSources, []);
});

needs('corpus').serial('a damaged vmlinuz cache entry is a miss: recomputed and rewritten, never an error', async t => {
	scratchCache(t);
	const image = vmlinuz('6.1.0-47-amd64');
	const first = await loadKernel({label: undefined, source: image});
	const entry = cacheEntryPath(process.env['KMODX_CACHE_DIR']!, 'kernel-exports-2', contentHash(readFileSync(image)));
	const good = readFileSync(entry, 'utf8');
	t.true(isCachedKernel(JSON.parse(good)));
	// Each as a damaged disk or a careless hand leaves it: the fields of the record one by one.
	const record = JSON.parse(good) as {exports: unknown[]};
	const damaged = ['{}', '{"exports":5}', JSON.stringify({...record, exports: [['module_layout', 5, 'EXPORT_BOGUS', '']]}), JSON.stringify({...record, exports: [[null, -1, 'EXPORT_SYMBOL', '']]}), 'null'];
	for (const text of damaged) {
		writeFileSync(entry, text);
		// eslint-disable-next-line no-await-in-loop
		const again = await loadKernel({label: undefined, source: image});
		t.is(again.exports.size, first.exports.size, text);
		t.deepEqual(again.exports.get('module_layout'), first.exports.get('module_layout'));
		t.true(isCachedKernel(JSON.parse(readFileSync(entry, 'utf8'))), `rewritten after ${text}`);
	}
});

test('a Module.symvers over 64 MiB is refused, plain before it is read and gzip\'d once decompressed', t => {
	// Debian 6.1.0-47's lines, each repetition's names made new, up to 64 MiB and one line more.
	const lines = readGzipText(fixture('kernels', '6.1.0-47-amd64', 'Module.symvers.gz')).trimEnd().split('\n');
	const limit = 64 * 1024 * 1024;
	const parts: string[] = [];
	let size = 0;
	for (let index = 0; ; index++) {
		const [crc, name, ...rest] = lines[index % lines.length]!.split('\t');
		const line = [crc, `${name!}_${Math.floor(index / lines.length)}`, ...rest].join('\t') + '\n';
		parts.push(line);
		size += line.length;
		if (size > limit) {
			break;
		}
	}

	const directory = temporaryDirectory(t, 'big-symvers');
	const over = writeTemporary(directory, 'over/Module.symvers', parts.join(''));
	const overGzip = writeTemporary(directory, 'over.symvers.gz', gzipSync(parts.join(''), {level: 1}));
	for (const file of [over, overGzip]) {
		const result = runCli(['check', fixture('modules', 'my_drv-6.1.0-47-amd64.ko'), '-k', file], {env: {KMODX_NO_CACHE: '1'}});
		t.is(result.code, 2, file);
		t.is(result.stdout, '');
		t.is(result.stderr, `kmodx: ${file}: larger than 64 MiB: not a Module.symvers (limit; Debian 6.1's is 1.9 MB)\n`);
	}
});
