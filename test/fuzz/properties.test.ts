import {readFileSync} from 'node:fs';
import {gzipSync} from 'node:zlib';
import test from 'ava';
import {parseBtf} from '../../source/btf/btf.js';
import {cType} from '../../source/btf/btf-c-type.js';
import {InputError} from '../../source/common/input-error.js';
import {decompress} from '../../source/compression/decompress.js';
import {SymversTable} from '../../source/kernel/symvers.js';
import {packExports, PackedExports} from '../../source/kernel/packed-exports.js';
import {parseModule} from '../../source/module/read-module.js';
import {genksymsCrc} from '../../source/symtypes/genksyms-crc.js';
import {parseSymtypes, tokenize} from '../../source/symtypes/read-symtypes.js';
import {swapByteOrder, writeSubset} from '../helpers/btf-writer.js';
import {fixture} from '../helpers/paths.js';
import {caseSeed, Rng} from './mutate.js';
import {encodeSymversLine, sampleSymversLines, smallBtf, symtypesSeeds, symversLayouts} from './seeds.js';
import {makeContext, runOnce, targets} from './targets.js';

/*
Properties of the pure parsers, with a fixed seed and few cases so that `npm test` stays fast;
`npm run fuzz` is the long run of the same targets.
*/

const seed = 20_260_101;
const context = makeContext();
test.after.always(() => context.cleanup());

// ---- Module.symvers ----------------------------------------------------------------------------------

for (const kernel of ['6.1.0-47-amd64', '6.1.0-47-s390x', '6.1.0-47-686-pae']) {
	test(`Module.symvers ${kernel}: real lines re-encoded in every layout read back the same`, t => {
		const lines = sampleSymversLines(kernel, 211);
		for (const layout of symversLayouts) {
			const text = lines.map(fields => encodeSymversLine(fields, layout)).join(layout === 'v5.4' ? '\r\n' : '\n');
			const table = new SymversTable(new Uint8Array(Buffer.from(text, 'latin1')), 'Module.symvers');
			const copy = PackedExports.open(packExports(table.all()), 'cache entry');
			for (const [crc, name, module, type, namespace] of lines) {
				const expected = {
					name,
					crc: Number.parseInt(crc!.slice(2), 16) >>> 0,
					module,
					exportType: layout === 'v2.6.17' ? 'EXPORT_SYMBOL' : type,
					namespace: layout === 'v5.6' || layout === 'v5.4' ? namespace : '',
				};
				t.deepEqual(table.get(name!), expected, `${layout} ${name!}`);
				t.deepEqual(copy?.get(name!), expected);
			}
		}
	});
}

// ---- modules ----------------------------------------------------------------------------------------

function parsesOrRefuses(data: Uint8Array, file: string): string | undefined {
	try {
		parseModule(data, file);
		return undefined;
	} catch (error) {
		if (!(error instanceof InputError)) return `${String(error)}`;
		return error.message.includes('\n') ? `multi-line: ${error.message}` : undefined;
	}
}

for (const arch of ['6.1.0-47-amd64', '6.1.0-47-s390x', '6.1.0-47-686-pae']) {
	test(`every truncation of the real ${arch} nls_utf8.ko parses or throws a one-line InputError`, t => {
		const data = new Uint8Array(readFileSync(fixture('modules', arch, 'nls_utf8.ko')));
		const problems: string[] = [];
		for (let length = 0; length <= data.length; length++) {
			const problem = parsesOrRefuses(data.subarray(0, length), 'cut.ko');
			if (problem) problems.push(`${length}: ${problem}`);
		}

		t.deepEqual(problems.slice(0, 5), []);
	});
}

test('truncations of the 270 KB my_drv.ko (every 257th length) parse or throw InputError', t => {
	const data = new Uint8Array(readFileSync(fixture('modules/my_drv-6.1.0-47-amd64.ko')));
	const problems: string[] = [];
	for (let length = 0; length <= data.length; length += 257) {
		const problem = parsesOrRefuses(data.subarray(0, length), 'cut.ko');
		if (problem) problems.push(`${length}: ${problem}`);
	}

	t.deepEqual(problems.slice(0, 5), []);
});

// ---- BTF --------------------------------------------------------------------------------------------

test('BTF writer round-trip: a written subset reparses to the same records, names and C spellings, in both byte orders', t => {
	const original = parseBtf(smallBtf('47'));
	const ids = Array.from({length: original.lastId}, (_, index) => index + 1);
	const rewritten = parseBtf(writeSubset(original, ids).data);
	const swapped = parseBtf(swapByteOrder(writeSubset(original, ids).data));
	t.is(rewritten.lastId, original.lastId);
	t.false(swapped.littleEndian);
	for (const id of ids) {
		t.deepEqual([...rewritten.record(id)].slice(1), [...original.record(id)].slice(1));
		t.is(rewritten.name(id), original.name(id));
		t.is(swapped.name(id), original.name(id));
		t.deepEqual([...swapped.record(id)], [...rewritten.record(id)]);
		let spelling: string | undefined;
		try {
			spelling = cType(original, id, 'x');
		} catch {
			continue; // DATASEC and friends have no C spelling
		}

		t.is(cType(rewritten, id, 'x'), spelling);
	}
});

// ---- symtypes ---------------------------------------------------------------------------------------

const realSymtypes = symtypesSeeds();

test('symtypes: tokenize and join round-trip on every real line', t => {
	for (const {name, data} of realSymtypes) {
		for (const line of Buffer.from(data).toString('latin1').split('\n')) {
			const tokens = tokenize(line);
			t.deepEqual(tokenize(tokens.join(' ')), tokens, `${name}: ${line.slice(0, 60)}`);
			if (line.endsWith(' ') && !line.includes('  ')) t.is(`${tokens.join(' ')} `, line);
		}
	}
});

test('symtypes: every CRC is unchanged by whitespace changes (runs of spaces and tabs, CRLF, trailing blanks)', t => {
	const rng = new Rng(seed);
	for (const {name, data} of realSymtypes) {
		if (name === 'consolidated') continue;
		const text = Buffer.from(data).toString('latin1');
		const index = parseSymtypes(text, name);
		const respaced = text.split('\n').map(line => line.replaceAll(' ', () => rng.pick([' ', '  ', '\t', ' \t '])) + rng.pick(['', ' ', '\t', '\r'])).join('\n');
		const other = parseSymtypes(respaced, name);
		for (const symbol of index.exports.keys()) t.is(genksymsCrc(other, symbol), genksymsCrc(index, symbol), `${name} ${symbol}`);
	}
});

// ---- compression limits ------------------------------------------------------------------------------

test('decompression: gzip of real bytes round-trips; the cap is exact (limit passes, limit-1 refuses)', async t => {
	const module = new Uint8Array(readFileSync(fixture('modules/6.1.0-47-amd64/nls_utf8.ko')));
	for (const name of ['nls_utf8.ko.gz', 'nls_utf8.ko.xz', 'nls_utf8.ko.zst', 'nls_utf8.ko.lz4', 'nls_utf8.ko.legacy.lz4']) {
		const data = new Uint8Array(readFileSync(fixture('compression', name)));
		// eslint-disable-next-line no-await-in-loop -- one format at a time, named in each assertion.
		t.deepEqual(Buffer.from(await decompress(data, name, {maxSize: module.length})), Buffer.from(module), name);
		// eslint-disable-next-line no-await-in-loop
		const error = await t.throwsAsync(decompress(data, name, {maxSize: module.length - 1}), {instanceOf: InputError}, name);
		t.regex(error!.message, /exceeds .* \(limit\)/);
	}

	t.deepEqual(Buffer.from(await decompress(gzipSync(module, {level: 1}), 'x.gz')), Buffer.from(module));
});

// ---- a short fixed-seed fuzz of every target ---------------------------------------------------------

for (const target of targets) {
	test(`fuzz ${target.name}: 40 fixed-seed mutations parse or are refused cleanly`, async t => {
		const seeds = await target.seeds();
		const failures: string[] = [];
		for (let index = 0; index < 40; index++) {
			const rng = new Rng(caseSeed(seed, index));
			const picked = rng.pick(seeds);
			const data = target.mutate(picked.data, rng, seeds);
			// eslint-disable-next-line no-await-in-loop
			const failure = await runOnce(target, data, context);
			if (failure) failures.push(`case ${index} from ${picked.name}: ${failure.kind}: ${failure.message}`);
		}

		t.deepEqual(failures, []);
	});
}
