import {readdirSync, renameSync, statSync, utimesSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import test from 'ava';
import {cacheEntryPath, entriesPerKind, fileIdentity, readCache, unchangedSince, writeCache} from '../../source/common/cache.js';
import {temporaryDirectory} from '../helpers/derive.js';

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
