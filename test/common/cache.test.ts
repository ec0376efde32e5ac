import {chmodSync, chownSync, lstatSync, readdirSync, readFileSync, renameSync, statSync, symlinkSync, utimesSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import test, {type ExecutionContext} from 'ava';
import {cacheEntryPath, entriesPerKind, fileIdentity, readCache, unchangedSince, writeCache} from '../../source/common/cache.js';
import {PackedExports, packExports} from '../../source/kernel/packed-exports.js';
import {temporaryDirectory} from '../helpers/derive.js';
import {needs} from '../helpers/oracles.js';
import {fixture} from '../helpers/paths.js';
import {runCli} from '../helpers/run-cli.js';

test('the cache keeps a bounded number of entries per kind, dropping the least recently written', async t => {
	const directory = temporaryDirectory(t);
	for (let index = 0; index < entriesPerKind + 8; index++) {
		// eslint-disable-next-line no-await-in-loop
		t.true(await writeCache(directory, 'kind', `key${index}`, new Uint8Array([index])));
		// Distinct, increasing mtimes even on coarse file systems.
		const file = cacheEntryPath(directory, 'kind', `key${index}`);
		utimesSync(file, 1_000_000 + index, 1_000_000 + index);
	}

	const kept = readdirSync(path.dirname(cacheEntryPath(directory, 'kind', 'x')));
	t.is(kept.length, entriesPerKind);
	t.is(await readCache(directory, 'kind', 'key0'), undefined);
	t.deepEqual([...(await readCache(directory, 'kind', `key${entriesPerKind + 7}`))!], [entriesPerKind + 7]);
});

test('unchangedSince: the identity taken before a read still holds after it, unless the file was rewritten or replaced', async t => {
	const directory = temporaryDirectory(t);
	const file = path.join(directory, 'Module.symvers');
	writeFileSync(file, 'a'.repeat(100));
	const before = (await fileIdentity(file))!.key;
	t.true(await unchangedSince(file, before));
	// Same content, same size, same mtime: the rewrite still changes ctime (a tick later: some
	// file systems keep timestamps in jiffies).
	await new Promise(resolve => {
		setTimeout(resolve, 20);
	});
	const {mtime} = statSync(file);
	writeFileSync(file, 'a'.repeat(100));
	utimesSync(file, mtime, mtime);
	t.false(await unchangedSince(file, before));
	// Replaced by another file (rename over it): another inode.
	const again = (await fileIdentity(file))!.key;
	writeFileSync(path.join(directory, 'other'), 'a'.repeat(100));
	renameSync(path.join(directory, 'other'), file);
	t.false(await unchangedSince(file, again));
	t.false(await unchangedSince(path.join(directory, 'gone'), again));
});

// ---- issue 22, finding 4: a cache nobody else can steer ---------------------------------------------

test('the cache directory and its parts are created 0700', async t => {
	const directory = path.join(temporaryDirectory(t), 'new', 'cache');
	t.true(await writeCache(directory, 'kind', 'key', new Uint8Array([1])));
	t.is(statSync(directory).mode & 0o777, 0o700);
	t.is(statSync(path.dirname(cacheEntryPath(directory, 'kind', 'key'))).mode & 0o777, 0o700);
	t.is(statSync(cacheEntryPath(directory, 'kind', 'key')).mode & 0o777, 0o600);
});

test('a part of the cache that is a symbolic link to another directory: nothing written, read or deleted there', async t => {
	const directory = temporaryDirectory(t);
	const elsewhere = temporaryDirectory(t);
	for (let index = 0; index < 40; index++) {
		writeFileSync(path.join(elsewhere, `key${index}.bin`), `precious ${index}`);
	}

	symlinkSync(elsewhere, path.dirname(cacheEntryPath(directory, 'kind', 'x')));
	t.false(await writeCache(directory, 'kind', 'new', new Uint8Array([1])));
	t.is(await readCache(directory, 'kind', 'key3'), undefined);
	t.is(readdirSync(elsewhere).length, 40, 'pruning deleted through the link');
	t.is(readFileSync(path.join(elsewhere, 'key3.bin'), 'utf8'), 'precious 3');
});

test('links planted in the cache are never written through: at the entry\'s name, or at the temporary names the old code used', async t => {
	const directory = temporaryDirectory(t);
	const victim = path.join(temporaryDirectory(t), 'victim');
	writeFileSync(victim, 'precious');
	t.true(await writeCache(directory, 'kind', 'first', new Uint8Array([1])));
	const entry = cacheEntryPath(directory, 'kind', 'key');
	// The old code wrote `<entry>.bin.<pid>.<n>.tmp` for the n-th write of the process.
	for (let count = 1; count <= 1000; count++) {
		symlinkSync(victim, `${entry}.${process.pid}.${count}.tmp`);
	}

	t.true(await writeCache(directory, 'kind', 'key', new Uint8Array([2, 2])));
	t.is(readFileSync(victim, 'utf8'), 'precious');
	t.deepEqual([...(await readCache(directory, 'kind', 'key'))!], [2, 2]);
	// A link at an entry's own name: not read, and a write replaces the link, not its target.
	const linked = cacheEntryPath(directory, 'kind', 'linked');
	symlinkSync(victim, linked);
	t.is(await readCache(directory, 'kind', 'linked'), undefined);
	t.true(await writeCache(directory, 'kind', 'linked', new Uint8Array([3])));
	t.is(readFileSync(victim, 'utf8'), 'precious');
	t.true(lstatSync(linked).isFile());
});

test('pruning counts and removes only regular entries: a link among them is not followed', async t => {
	const directory = temporaryDirectory(t);
	const victim = path.join(temporaryDirectory(t), 'victim.bin');
	writeFileSync(victim, 'precious');
	t.true(await writeCache(directory, 'kind', 'first', new Uint8Array([1])));
	utimesSync(cacheEntryPath(directory, 'kind', 'first'), 1_000_000, 1_000_000);
	symlinkSync(victim, cacheEntryPath(directory, 'kind', 'aaa-link'));
	for (let index = 0; index < entriesPerKind + 4; index++) {
		// eslint-disable-next-line no-await-in-loop
		await writeCache(directory, 'kind', `key${index}`, new Uint8Array([index]));
	}

	t.is(readFileSync(victim, 'utf8'), 'precious');
	t.true(lstatSync(cacheEntryPath(directory, 'kind', 'aaa-link')).isSymbolicLink());
	t.is(readdirSync(path.dirname(cacheEntryPath(directory, 'kind', 'x'))).filter(name => !name.includes('link')).length, entriesPerKind);
});

/**
A cache entry forged the way issue 22 did: the 6.1.0-47 export table, packed under 6.1.0-56's
Module.symvers identity (checksum recomputed by the packer). With it, my_drv built for 47 "loads"
on 56: the forgery works in a cache kmodx trusts.
*/
async function forgedCache(t: ExecutionContext): Promise<{directory: string; check: () => ReturnType<typeof runCli>}> {
	const directory = path.join(temporaryDirectory(t), 'cache');
	const module = fixture('modules/my_drv-6.1.0-47-amd64.ko');
	const symvers = (release: string) => fixture(`kernels/6.1.0-${release}-amd64/Module.symvers.gz`);
	const check = () => runCli(['check', module, '-k', `56=${symvers('56')}`], {env: {KMODX_CACHE_DIR: directory}});
	const entries = () => readdirSync(path.join(directory, 'symvers-packed-3-v1')).filter(name => name.endsWith('.bin'));
	runCli(['check', module, '-k', `47=${symvers('47')}`], {env: {KMODX_CACHE_DIR: directory}});
	const [entry47] = entries();
	t.is(check().code, 1);
	const entry56 = entries().find(name => name !== entry47)!;
	const table47 = PackedExports.open(readFileSync(path.join(directory, 'symvers-packed-3-v1', entry47!)), 'entry')!;
	writeFileSync(path.join(directory, 'symvers-packed-3-v1', entry56), packExports(table47.all(), (await fileIdentity(symvers('56')))!.key));
	return {directory, check};
}

test('a cache directory that group or others may write is not used: one warning, and a forged entry in it changes nothing', async t => {
	const {directory, check} = await forgedCache(t);
	const forged = check();
	t.is(forged.code, 0, 'the forged entry is used in a trusted cache (else this test proves nothing)');
	for (const mode of [0o770, 0o707]) {
		chmodSync(directory, mode);
		const result = check();
		t.is(result.code, 1, `mode ${mode.toString(8)}: ${result.stderr}`);
		t.is(result.stderr, `kmodx: warning: the cache directory ${directory} is writable by ${mode === 0o770 ? 'its group' : 'others'} (mode ${mode.toString(8)}; chmod go-w to use it): running without the cache\n`);
	}

	// A part of it that group may write is not used either.
	chmodSync(directory, 0o700);
	chmodSync(path.join(directory, 'symvers-packed-3-v1'), 0o775);
	const part = check();
	t.is(part.code, 1);
	t.is(part.stderr, `kmodx: warning: the cache directory ${path.join(directory, 'symvers-packed-3-v1')} is writable by its group (mode 775; chmod go-w to use it): running without that part of the cache\n`);
});

needs('root')('a cache directory owned by another user is not used', async t => {
	const {directory, check} = await forgedCache(t);
	chownSync(directory, 65_534, 65_534);
	const result = check();
	t.is(result.code, 1);
	t.is(result.stderr, `kmodx: warning: the cache directory ${directory} is owned by uid 65534, not by you (uid 0): running without the cache\n`);
});
