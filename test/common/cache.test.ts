import {readdirSync, utimesSync} from 'node:fs';
import path from 'node:path';
import test from 'ava';
import {cacheEntryPath, entriesPerKind, readCache, writeCache} from '../../source/common/cache.js';
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
