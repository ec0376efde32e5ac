import {readdirSync, readFileSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {gzipSync} from 'node:zlib';
import test from 'ava';
import {isInputError} from '../../source/common/input-error.js';
import {btfFromElf, findElfSection} from '../../source/btf/btf-from-elf.js';
import {contentHash, defaultCacheDir, readCache, writeCache} from '../../source/common/cache.js';
import {BtfKind} from '../../source/btf/btf-kind.js';
import {explainBtf} from '../../source/typediff/explain-btf.js';
import {loadBtf, loadBtfFrom} from '../../source/btf/load-btf.js';
import {temporaryDirectory} from '../helpers/derive.js';
import {needs} from '../helpers/oracles.js';
import {corpus, fixture} from '../helpers/paths.js';
import {rawFixture} from './btf-fixtures.js';

/** A minimal relocatable ELF holding the given sections (plus the null section and .shstrtab). */
function makeElf(sections: Array<{name: string; data: Uint8Array}>, {is64 = true, little = true} = {}): Uint8Array {
	const names = ['', ...sections.map(s => s.name), '.shstrtab'];
	const nameOffsets: number[] = [];
	let shstrtab = '';
	for (const name of names) {
		nameOffsets.push(shstrtab.length);
		shstrtab += `${name}\0`;
	}

	const all = [{name: '', data: new Uint8Array()}, ...sections, {name: '.shstrtab', data: Buffer.from(shstrtab, 'latin1')}];
	const ehsize = is64 ? 64 : 52;
	const shentsize = is64 ? 64 : 40;
	const offsets: number[] = [];
	let at = ehsize;
	for (const section of all) {
		offsets.push(at);
		at += section.data.length;
	}

	const shoff = (at + 7) & ~7;
	const out = new Uint8Array(shoff + all.length * shentsize);
	const view = new DataView(out.buffer);
	out.set([0x7f, 0x45, 0x4c, 0x46, is64 ? 2 : 1, little ? 1 : 2, 1]);
	for (const [index, section] of all.entries()) out.set(section.data, offsets[index]);
	if (is64) {
		view.setBigUint64(0x28, BigInt(shoff), little);
		view.setUint16(0x3a, shentsize, little);
		view.setUint16(0x3c, all.length, little);
		view.setUint16(0x3e, all.length - 1, little);
	} else {
		view.setUint32(0x20, shoff, little);
		view.setUint16(0x2e, shentsize, little);
		view.setUint16(0x30, all.length, little);
		view.setUint16(0x32, all.length - 1, little);
	}

	for (const [index, section] of all.entries()) {
		const header = shoff + index * shentsize;
		view.setUint32(header, nameOffsets[index]!, little);
		view.setUint32(header + 4, index === 0 ? 0 : (index === all.length - 1 ? 3 : 1), little);
		if (is64) {
			view.setBigUint64(header + 0x18, BigInt(offsets[index]!), little);
			view.setBigUint64(header + 0x20, BigInt(section.data.length), little);
		} else {
			view.setUint32(header + 0x10, offsets[index]!, little);
			view.setUint32(header + 0x14, section.data.length, little);
		}
	}

	return out;
}

test('findElfSection reads ELF64 LE, ELF64 BE and ELF32 real modules', t => {
	const amd64 = readFileSync(fixture('modules', '6.1.0-47-amd64', 'usb-storage.ko'));
	t.is(findElfSection(amd64, '.BTF')?.length, 0x48_a9);
	for (const file of ['6.1.0-47-s390x/nls_utf8.ko', '6.1.0-47-686-pae/nls_utf8.ko']) {
		const data = readFileSync(fixture('modules', file));
		const modinfo = Buffer.from(findElfSection(data, '.modinfo', file)!).toString('latin1');
		t.regex(modinfo, /license=Dual BSD\/GPL/, file);
		t.is(findElfSection(data, '.BTF', file), undefined);
		t.throws(() => btfFromElf(data, file), {message: /no \.BTF section/});
	}
});

test('findElfSection: synthetic ELF32/ELF64 in both byte orders, and truncation', t => {
	const btf = rawFixture('47');
	for (const is64 of [true, false]) {
		for (const little of [true, false]) {
			const elf = makeElf([{name: '.text', data: new Uint8Array(13)}, {name: '.BTF', data: btf}], {is64, little});
			t.true(Buffer.from(findElfSection(elf, '.BTF')!).equals(btf), `ELF${is64 ? 64 : 32} ${little ? 'LE' : 'BE'}`);
			const cut = t.throws(() => findElfSection(elf.subarray(0, elf.length - 10), '.BTF', 'cut.ko'));
			t.true(isInputError(cut));
			t.regex(cut!.message, /^cut\.ko: truncated ELF/);
		}
	}

	t.throws(() => findElfSection(new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 9]), '.BTF'), {message: /truncated|class/});
});

test('loadBtf detects raw BTF, ELF, and gzip by magic; rejects other files clearly', async t => {
	const dir = temporaryDirectory(t, 'detect');
	const raw = path.join(dir, 'vmlinux.btf');
	writeFileSync(raw, rawFixture('56'));
	const elf = path.join(dir, 'vmlinux');
	writeFileSync(elf, makeElf([{name: '.BTF', data: rawFixture('56')}]));
	t.is((await loadBtfFrom(raw, {cache: false})).source, 'raw');
	t.is((await loadBtfFrom(elf, {cache: false})).source, 'elf');
	t.is((await loadBtf(elf, {cache: false})).lookup('misc_register', [BtfKind.Func]).length, 1);
	const text = path.join(dir, 'notes.txt');
	writeFileSync(text, 'hello, this is not a kernel\n'.repeat(40));
	await t.throwsAsync(loadBtf(text, {cache: false}), {message: /not BTF: expected raw BTF, an ELF with a \.BTF section, or a vmlinuz/});
	await t.throwsAsync(loadBtf(path.join(dir, 'missing'), {cache: false}), {message: /missing: no such file or directory$/});
});

test('cache dir: KMODX_CACHE_DIR, then XDG_CACHE_HOME, then ~/.cache', t => {
	t.is(defaultCacheDir({KMODX_CACHE_DIR: '/x/y', XDG_CACHE_HOME: '/c'}), '/x/y');
	t.is(defaultCacheDir({XDG_CACHE_HOME: '/c'}), '/c/kmodx');
	t.is(defaultCacheDir({XDG_CACHE_HOME: 'relative'}), path.join(os.homedir(), '.cache', 'kmodx'));
	t.is(defaultCacheDir({}), path.join(os.homedir(), '.cache', 'kmodx'));
});

test('cache entries are written atomically and failures are silent', async t => {
	const dir = temporaryDirectory(t, 'cache');
	const data = new Uint8Array([1, 2, 3]);
	t.true(await writeCache(dir, 'btf', 'k', data));
	t.deepEqual(new Uint8Array(await readCache(dir, 'btf', 'k') as Uint8Array), data);
	t.deepEqual(readdirSync(path.join(dir, 'btf-v1')), ['k.bin'], 'no temp file left behind');
	t.is(await readCache(dir, 'btf', 'other'), undefined);
	// A directory that cannot exist (below a regular file), as a read-only cache would behave.
	const blocked = path.join(dir, 'btf-v1', 'k.bin', 'sub');
	t.false(await writeCache(blocked, 'btf', 'k', data));
	t.is(await readCache(blocked, 'btf', 'k'), undefined);
	t.not(contentHash(data), contentHash(new Uint8Array([1, 2, 4])));
});

/** A vmlinuz-shaped image: a stub, then a gzip stream of an ELF with the real BTF (the decompressor scans for it). */
function fakeVmlinuz(btf: Uint8Array): Uint8Array {
	const stub = new Uint8Array(600);
	stub.set([0x4d, 0x5a]);
	return Buffer.concat([stub, gzipSync(makeElf([{name: '.BTF', data: btf}]))]);
}

test.serial('vmlinuz BTF is cached by content: cold, warm, changed file, damaged entry, unwritable cache', async t => {
	const dir = temporaryDirectory(t, 'vmlinuz');
	const cache = path.join(dir, 'cache');
	const image = path.join(dir, 'vmlinuz');
	writeFileSync(image, fakeVmlinuz(rawFixture('47')));
	const cold = await loadBtfFrom(image, {cache});
	t.is(cold.source, 'vmlinuz');
	t.is(cold.cache, 'miss');
	const warm = await loadBtfFrom(image, {cache});
	t.is(warm.cache, 'hit');
	t.is(warm.btf.lastId, cold.btf.lastId);
	// Same path, other content: never served stale.
	writeFileSync(image, fakeVmlinuz(rawFixture('56')));
	const changed = await loadBtfFrom(image, {cache});
	t.is(changed.cache, 'miss');
	t.true(changed.btf.lookup('task_struct', [BtfKind.Struct]).length > 0);
	t.is(changed.btf.lastId, (await loadBtfFrom(image, {cache: false})).btf.lastId);
	// A damaged entry is replaced.
	const entries = path.join(cache, 'btf-v1');
	const key = contentHash(readFileSync(image));
	writeFileSync(path.join(entries, `${key}.bin`), 'garbage');
	t.is((await loadBtfFrom(image, {cache})).cache, 'miss');
	t.is((await loadBtfFrom(image, {cache})).cache, 'hit');
	// An unusable cache dir changes nothing but speed.
	const unusable = await loadBtfFrom(image, {cache: path.join(image, 'below-a-file')});
	t.is(unusable.btf.lastId, changed.btf.lastId);
	const previous = process.env['KMODX_CACHE_DIR'];
	process.env['KMODX_CACHE_DIR'] = cache;
	t.is((await loadBtfFrom(image)).cache, 'hit', 'KMODX_CACHE_DIR is the default');
	if (previous === undefined) delete process.env['KMODX_CACHE_DIR'];
	else process.env['KMODX_CACHE_DIR'] = previous;
});

// ---- the real images (../shared/corpus) --------------------------------------------------

const vmlinuz = (release: string) => corpus('kernels', `debian-6.1.0-${release}-amd64`, 'vmlinuz');

needs('corpus').serial('corpus: why module_layout from the two vmlinuz, cold and warm cache', async t => {
	const cache = temporaryDirectory(t, 'corpus');
	const started = performance.now();
	const [a, b] = await Promise.all([loadBtfFrom(vmlinuz('47'), {cache}), loadBtfFrom(vmlinuz('56'), {cache})]);
	const cold = performance.now() - started;
	t.is(a.cache, 'miss');
	t.is(a.btf.byteLength, 4_350_808);
	const explanation = explainBtf({symbol: 'module_layout', from: {label: '6.1.0-47', btf: a.btf, crc: '0x160c03af'}, to: {label: '6.1.0-56', btf: b.btf, crc: '0x9060323f'}});
	for (const [type, member] of [['struct task_struct', 'user_dumpable'], ['struct task_struct', 'kstack_offset'], ['struct mm_struct', '(anonymous).futex_unique_id'],
		['struct user_struct', 'perf_mlock'], ['struct key', '(anonymous).(anonymous).type_id'], ['struct keyring_index_key', 'domain_id'], ['struct key_tag', 'index_id']]) {
		t.truthy(explanation.changes.find(c => c.type === type && c.member === member), `${type} ${member}`);
	}

	const again = performance.now();
	const [warmA] = await Promise.all([loadBtfFrom(vmlinuz('47'), {cache}), loadBtfFrom(vmlinuz('56'), {cache})]);
	t.is(warmA.cache, 'hit');
	t.log(`cold load ${cold.toFixed(0)} ms, warm load ${(performance.now() - again).toFixed(0)} ms`);
});

needs('corpus').serial('corpus: split BTF of usb-storage.ko on the 6.1.0-47 base', async t => {
	const base = await loadBtf(vmlinuz('47'), {cache: temporaryDirectory(t, 'split')});
	const module = await loadBtf(fixture('modules', '6.1.0-47-amd64', 'usb-storage.ko'), {base, cache: false});
	t.is(module.startId, base.lastId + 1);
	t.true(module.lastId > module.startId);
	const probe = module.lookup('usb_stor_probe1', [BtfKind.Func]);
	t.is(probe.length, 1);
	t.true(probe[0]! >= module.startId);
	const usData = module.lookup('us_data', [BtfKind.Struct])[0]!;
	t.true(usData >= module.startId, 'struct us_data is the module\'s own');
	const pusb = module.members(usData).find(m => m.name === 'pusb_dev')!;
	t.true(pusb.type < module.startId || module.kind(pusb.type) === BtfKind.Ptr);
	// Without the right base, the module's BTF does not parse.
	await t.throwsAsync(loadBtf(fixture('modules', '6.1.0-47-amd64', 'usb-storage.ko'), {cache: false}), {message: /BTF/});
});
