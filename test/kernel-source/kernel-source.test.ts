import {execFileSync} from 'node:child_process';
import {readdirSync, readFileSync, truncateSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import test, {type ExecutionContext} from 'ava';
import {InputError} from '../../source/common/input-error.js';
import {openKernelSource} from '../../source/kernel-source/kernel-source.js';
import {exportingCandidates, translationUnitFiles} from '../../source/kernel-source/translation-unit.js';
import {temporaryDirectory, writeTemporary} from '../helpers/derive.js';
import {needs, oracleProgram} from '../helpers/oracles.js';
import {fixture} from '../helpers/paths.js';

const tarball = fixture('kernel-source/linux-source-6.1.170-3.tar.xz');
const plain = execFileSync('xz', ['-dc', tarball], {maxBuffer: 64 * 1024 * 1024});
const members = execFileSync('tar', ['-tf', '-'], {input: plain, encoding: 'utf8'}).trim().split('\n').filter(name => !name.endsWith('/'));
const sourceFiles = members.map(name => name.replace(/^linux-source-6\.1\//, ''));
const extract = (name: string) => execFileSync('tar', ['-xOf', '-', `linux-source-6.1/${name}`], {input: plain, maxBuffer: 64 * 1024 * 1024});

/** The fixture re-encoded every way a distribution ships a source tree. */
function forms(t: ExecutionContext): Array<[string, string]> {
	const directory = temporaryDirectory(t);
	const write = (name: string, data: Buffer) => {
		writeFileSync(path.join(directory, name), data);
		return path.join(directory, name);
	};

	const result: Array<[string, string]> = [
		['xz, several blocks (random access)', tarball],
		['xz, one block (read as a stream)', write('one-block.tar.xz', execFileSync('xz', ['-c', '-T1', '--block-size=100MiB'], {input: plain}))],
		['gzip', write('linux.tar.gz', execFileSync('gzip', ['-c'], {input: plain}))],
		['plain tar', write('linux.tar', plain)],
	];
	const tree = path.join(directory, 'tree');
	execFileSync('mkdir', ['-p', tree]);
	execFileSync('tar', ['-xf', '-', '-C', tree], {input: plain});
	result.push(['unpacked directory', path.join(tree, 'linux-source-6.1')]);
	return result;
}

/** The version, every file, and the bytes of three files equal to what tar extracts. */
async function checkForm(t: ExecutionContext, form: string, file: string): Promise<void> {
	const source = await openKernelSource(file, {});
	t.deepEqual(source.index.version, {version: 6, patchlevel: 1, sublevel: 170}, form);
	t.deepEqual([...source.index.files].sort(), [...sourceFiles].sort(), form);
	const read = await source.read(['drivers/char/misc.c', 'mm/slab.h', 'kernel/module/version.c', 'no/such/file.c']);
	t.deepEqual([...read.keys()].sort(), ['drivers/char/misc.c', 'kernel/module/version.c', 'mm/slab.h'], form);
	for (const [name, bytes] of read) {
		t.true(bytes.equals(extract(name)), `${form}: ${name}`);
	}
}

test('every form: the version, every file, and bytes equal to what tar extracts', async t => {
	for (const [form, file] of forms(t)) {
		// eslint-disable-next-line no-await-in-loop
		await checkForm(t, form, file);
	}
});

needs('zstd')('the zstd form too: the version, every file, and bytes equal to what tar extracts', async t => {
	await checkForm(t, 'zstd', writeTemporary(temporaryDirectory(t), 'linux.tar.zst', execFileSync(oracleProgram('zstd'), ['-q', '-c'], {input: plain})));
});

test('the index lists what each file exports, as grep finds EXPORT_SYMBOL lines, and the local headers it includes', async t => {
	const source = await openKernelSource(tarball, {});
	for (const file of sourceFiles.filter(name => name.endsWith('.c'))) {
		const grep = [...extract(file).toString('latin1').matchAll(/^EXPORT_SYMBOL(?:_GPL)?\((\w+)\);$/gm)].map(match => match[1]!);
		const indexed = [...source.index.exports].filter(([, files]) => files.some(position => source.index.files[position] === file)).map(([name]) => name);
		t.true(grep.length > 0, file);
		t.deepEqual(indexed.filter(name => grep.includes(name)).sort(), [...grep].sort(), file);
	}

	t.deepEqual(exportingCandidates(source.index, 'kmalloc_caches', {architectures: ['x86'], exporter: 'vmlinux'}), ['mm/slab_common.c']);
	// Slab_common.c includes "slab.h", which includes nothing local; "internal.h" too; both sit in its directory.
	t.deepEqual(translationUnitFiles(source.index, 'mm/slab_common.c').sort(), ['mm/internal.h', 'mm/slab.h', 'mm/slab_common.c']);
	t.deepEqual(translationUnitFiles(source.index, 'drivers/char/misc.c'), ['drivers/char/misc.c']);
});

test('the index is built once: a second open comes from the cache, a damaged entry is rebuilt', async t => {
	const cacheDir = temporaryDirectory(t);
	const first = await openKernelSource(tarball, {cacheDir});
	t.is(first.indexFrom, 'built');
	const second = await openKernelSource(tarball, {cacheDir});
	t.is(second.indexFrom, 'cache');
	t.deepEqual(second.index, first.index);
	const entries = path.join(cacheDir, readdirSync(cacheDir).find(name => name.startsWith('source-index'))!);
	for (const name of readdirSync(entries)) {
		writeFileSync(path.join(entries, name), 'damaged');
	}

	const third = await openKernelSource(tarball, {cacheDir});
	t.is(third.indexFrom, 'built');
	t.deepEqual(third.index, first.index);
});

test('what is not a kernel source tarball is refused in one line naming the file', async t => {
	const directory = temporaryDirectory(t);
	const notTar = path.join(directory, 'linux.tar.gz');
	writeFileSync(notTar, execFileSync('gzip', ['-c'], {input: readFileSync(fixture('kernels/6.1.0-47-amd64/Module.symvers.gz'))}));
	await t.throwsAsync(openKernelSource(notTar), {message: `${notTar}: not a tar archive`});

	const truncated = path.join(directory, 'truncated.tar.xz');
	writeFileSync(truncated, readFileSync(tarball).subarray(0, 40_000));
	await t.throwsAsync(openKernelSource(truncated), {message: new RegExp(`^${truncated}: (xz could not decompress it|xz data is corrupt)`)});

	const otherTree = path.join(directory, 'other.tar');
	execFileSync('tar', ['-cf', otherTree, '-C', fixture('kernel-source'), '.']);
	await t.throwsAsync(openKernelSource(otherTree), {message: `${otherTree}: not a Linux kernel source tree (no Makefile, Kbuild and init/main.c together)`});

	const fifo = path.join(directory, 'fifo');
	execFileSync('mkfifo', [fifo]);
	await t.throwsAsync(openKernelSource(fifo), {message: `${fifo}: not a regular file or directory: a kernel source tarball or tree is expected`});
});

/**
The fixture's tree plus drivers/big/big.c, which includes `headers` local headers of `size`
bytes each (NUL bytes, as an attacker's 63 MiB members compress to nothing); as .tar.gz.
*/
function bigHeadersTarball(t: ExecutionContext, headers: number, size: number): string {
	const directory = temporaryDirectory(t, 'big-headers');
	const tree = path.join(directory, 'tree');
	execFileSync('mkdir', ['-p', tree]);
	execFileSync('tar', ['-xf', '-', '-C', tree], {input: plain});
	const root = path.join(tree, 'linux-source-6.1');
	const names = Array.from({length: headers}, (_, index) => `big${index}.h`);
	writeTemporary(root, 'drivers/big/big.c', `${names.map(name => `#include "${name}"`).join('\n')}\nint big(void) { return 0; }\nEXPORT_SYMBOL(big);\n`);
	for (const name of names) {
		const file = writeTemporary(root, `drivers/big/${name}`, '');
		truncateSync(file, size);
	}

	const file = path.join(directory, 'linux.tar.gz');
	execFileSync('tar', ['-czf', file, '-C', tree, 'linux-source-6.1']);
	return file;
}

test('the files one unit needs are taken from a tarball only up to 256 MiB in all, refused before any is read', async t => {
	// Five local headers of 60 MiB (each under the 64 MiB member limit): 300 MiB for big.c.
	const file = bigHeadersTarball(t, 5, 60 * 1024 * 1024);
	const source = await openKernelSource(file, {});
	const unit = translationUnitFiles(source.index, 'drivers/big/big.c');
	t.is(unit.length, 6);
	const error = await t.throwsAsync(source.read(unit), {instanceOf: InputError});
	t.is(error!.message, `${file}: the files to preprocess add up to 300.0 MiB: more than 256 MiB taken from one kernel source (limit)`);
	// The limit counts every read of the run, not one at a time.
	const small = await openKernelSource(file, {maximumExtracted: 100 * 1024 * 1024});
	const first = await small.read(['drivers/big/big.c', 'drivers/big/big0.h']);
	t.is(first.get('drivers/big/big0.h')!.length, 60 * 1024 * 1024);
	await t.throwsAsync(small.read(['drivers/big/big1.h']), {instanceOf: InputError, message: /add up to 120\.0 MiB: more than 100 MiB/});
	// The same for an unpacked tree.
	const tree = path.join(path.dirname(file), 'tree', 'linux-source-6.1');
	await t.throwsAsync((await openKernelSource(tree, {})).read(unit), {instanceOf: InputError, message: /add up to 300\.0 MiB: more than 256 MiB/});
});

test('a file over 64 MiB is neither indexed nor extracted: a tarball leaves it out, a tree refuses it by name', async t => {
	const file = bigHeadersTarball(t, 1, 65 * 1024 * 1024);
	const source = await openKernelSource(file, {});
	// The index never reads it, so no unit's include closure names it.
	t.deepEqual(translationUnitFiles(source.index, 'drivers/big/big.c'), ['drivers/big/big.c']);
	t.false(source.index.files.includes('drivers/big/big0.h'));
	// An unpacked tree lists it (it is there), so big.c's unit names it: it is refused, not read.
	const tree = path.join(path.dirname(file), 'tree', 'linux-source-6.1');
	const unpacked = await openKernelSource(tree, {});
	const unit = translationUnitFiles(unpacked.index, 'drivers/big/big.c');
	t.deepEqual(unit.sort(), ['drivers/big/big.c', 'drivers/big/big0.h']);
	await t.throwsAsync(unpacked.read(unit), {instanceOf: InputError, message: `${tree}: "drivers/big/big0.h" is 65 MiB: more than 64 MiB, not source code (limit)`});
});
