import {execFileSync} from 'node:child_process';
import {existsSync, readdirSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {gunzipSync, gzipSync} from 'node:zlib';
import {type Btf, parseBtf} from '../../source/btf/btf.js';
import {BtfKind} from '../../source/btf/btf-kind.js';
import {decompress} from '../../source/compression/decompress.js';
import {closure, encodeBtf, swapByteOrder, writeSubset} from '../helpers/btf-writer.js';
import {corpus, fixture} from '../helpers/paths.js';
import {concat} from './mutate.js';

/*
The seed corpus: real files only (modules of three arches, Module.symvers of three kernels
re-encoded in every column layout, BTF cut from two vmlinux, genksyms symtypes, compressed
modules, the setup header of a real vmlinuz), plus containers built from them (bzImages with
real payloads, gzip'd symvers) and decompression bombs.
*/

export type Seed = {name: string; data: Uint8Array};

const read = (file: string) => new Uint8Array(readFileSync(file));

function filesUnder(directory: string, test: (name: string) => boolean): string[] {
	if (!existsSync(directory)) return [];
	const out: string[] = [];
	for (const entry of readdirSync(directory, {withFileTypes: true})) {
		const full = path.join(directory, entry.name);
		if (entry.isDirectory()) out.push(...filesUnder(full, test));
		else if (test(entry.name)) out.push(full);
	}

	return out.sort();
}

export function moduleSeeds(): Seed[] {
	const files = filesUnder(fixture('modules'), name => name.endsWith('.ko'));
	return files.map(file => ({name: path.relative(fixture(), file), data: read(file)}));
}

/** A module turned into a "vmlinux": same sections, ET_EXEC (exercises the kernel-image reader). */
export function vmlinuxSeed(): Seed {
	const data = read(fixture('modules/6.1.0-47-amd64/usb-storage.ko'));
	data[16] = 2; // E_type = ET_EXEC
	data[17] = 0;
	return {name: 'usb-storage.ko as ET_EXEC', data};
}

// ---- Module.symvers -----------------------------------------------------------------------------

const symversKernels = ['6.1.0-47-amd64', '6.1.0-47-s390x', '6.1.0-47-686-pae'];

function symversLines(kernel: string): string[] {
	return gunzipSync(readFileSync(fixture('kernels', kernel, 'Module.symvers.gz'))).toString('latin1').split('\n').filter(line => line !== '');
}

/** Every 97th line and every namespaced one (up to 20), as `crc sym module type namespace`. */
export function sampleSymversLines(kernel: string, every = 97): string[][] {
	const lines = symversLines(kernel);
	const sample = lines.filter((_, index) => index % every === 0);
	sample.push(...lines.filter(line => !line.endsWith('\t')).slice(0, 20));
	return sample.map(line => line.split('\t'));
}

export type SymversLayout = 'v5.6' | 'v5.4' | 'v2.6.18' | 'v2.6.17';
export const symversLayouts: readonly SymversLayout[] = ['v5.6', 'v5.4', 'v2.6.18', 'v2.6.17'];

/** One real line re-encoded in a historical layout (kernel-facts §3). */
export function encodeSymversLine([crc, name, module, type, namespace]: string[], layout: SymversLayout): string {
	switch (layout) {
		case 'v5.6': {
			return [crc, name, module, type, namespace ?? ''].join('\t');
		}

		case 'v5.4': {
			return [crc, name, namespace ?? '', module, type].join('\t');
		}

		case 'v2.6.18': {
			return [crc, name, module, type].join('\t');
		}

		default: {
			return [crc, name, module].join('\t');
		}
	}
}

export function symversSeeds(): Seed[] {
	const seeds: Seed[] = [];
	for (const kernel of symversKernels) {
		const sample = sampleSymversLines(kernel);
		for (const layout of symversLayouts) {
			seeds.push({name: `${kernel} ${layout}`, data: new Uint8Array(Buffer.from(sample.map(fields => encodeSymversLine(fields, layout)).join('\n') + '\n', 'latin1'))});
		}
	}

	seeds.push({name: '6.1.0-47-686-pae full', data: new Uint8Array(gunzipSync(readFileSync(fixture('kernels/6.1.0-47-686-pae/Module.symvers.gz'))))});
	return seeds;
}

// ---- BTF ------------------------------------------------------------------------------------------

export const btfFixtureBytes = (release: '47' | '56') => new Uint8Array(gunzipSync(readFileSync(fixture('btf', `debian-6.1.0-${release}-amd64.btf.gz`))));

/** Struct names whose closure is small, for a BTF small enough to explain in a millisecond. */
const smallStructs = ['kernel_param', 'kernel_symbol', 'modversion_info', 'tracepoint', 'static_key', 'list_head', 'kparam_array', 'kparam_string'];

/**
Real records of a few small structs (both kernels) and a FUNC `fuzz_fn` taking pointers to
them, so that explainBtf has a root; `fuzz_fn` is the symbol the BTF target explains.
*/
export function smallBtf(release: '47' | '56', options: {bigEndian?: boolean} = {}): Uint8Array {
	const full = parseBtf(btfFixtureBytes(release));
	const roots = smallStructs.flatMap(name => full.lookup(name, [BtfKind.Struct]).slice(0, 1));
	const ints = full.lookup('int', [BtfKind.Int]).slice(0, 1);
	const ids = closure(full, [...roots, ...ints]);
	const written = writeSubset(full, ids);
	const records = [...written.records];
	let next = written.lastId + 1;
	const pointers: number[] = [];
	for (const root of roots) {
		records.push(new Uint32Array([0, BtfKind.Ptr << 24, written.idMap.get(root)!]));
		pointers.push(next++);
	}

	const proto = next++;
	const protoRecord = new Uint32Array(3 + (2 * pointers.length));
	protoRecord.set([0, ((BtfKind.FuncProto << 24) | pointers.length) >>> 0, written.idMap.get(ints[0]!) ?? 0]);
	for (const [index, pointer] of pointers.entries()) protoRecord.set([written.strings.add(`p${index}`), pointer], 3 + (2 * index));
	records.push(protoRecord);
	records.push(new Uint32Array([written.strings.add('fuzz_fn'), (BtfKind.Func << 24) | 1, proto]));
	return encodeBtf(records, written.strings.bytes(), options);
}

export function btfSeeds(): Seed[] {
	const small47 = smallBtf('47');
	return [
		{name: 'btf 47 small', data: small47},
		{name: 'btf 56 small', data: smallBtf('56')},
		{name: 'btf 47 small big-endian', data: swapByteOrder(small47)},
		{name: 'btf 47', data: btfFixtureBytes('47')},
		{name: 'btf 56', data: btfFixtureBytes('56')},
	];
}

export const smallBtfReference = (): Btf => parseBtf(smallBtf('56'), {file: 'reference.btf'});

// ---- symtypes -------------------------------------------------------------------------------------

export function symtypesSeeds(): Seed[] {
	const seeds: Seed[] = [];
	for (const release of ['47', '56']) {
		seeds.push({name: `version.symtypes ${release}`, data: new Uint8Array(gunzipSync(readFileSync(fixture('symtypes', `debian-6.1.0-${release}-amd64.version.symtypes.gz`))))});
	}

	for (const name of ['types-a.symtypes', 'types-b.symtypes', 'override.symtypes']) {
		seeds.push({name, data: read(fixture('symtypes/genksyms', name))});
	}

	// A consolidated file (SUSE ksymtypes): sections, repeats omitted, opaque declarations.
	const a = readFileSync(fixture('symtypes/genksyms/types-a.symtypes'), 'latin1');
	const b = readFileSync(fixture('symtypes/genksyms/types-b.symtypes'), 'latin1');
	const opaque = b.split('\n').filter(line => /^s#\w+ struct \w+ \{ UNKNOWN \}/.test(line)).map(line => line.replace(/^s#(\w+).*/, 's##$1'));
	const consolidated = `/* types-a.o */\n${a}\n/* types-b.o */\n${[...opaque, ...b.split('\n').filter(line => !/\{ UNKNOWN \}/.test(line))].join('\n')}\n`;
	seeds.push({name: 'consolidated', data: new Uint8Array(Buffer.from(consolidated, 'latin1'))});
	return seeds;
}

/** The kernel-source fixtures as plain tar (what the index reads once the stream is decompressed). */
export async function sourceSeeds(): Promise<Seed[]> {
	const seeds: Seed[] = [];
	for (const version of ['6.1.170-3', '6.1.192-2']) {
		const file = fixture('kernel-source', `linux-source-${version}.tar.xz`);
		// eslint-disable-next-line no-await-in-loop
		seeds.push({name: `linux-source-${version}.tar`, data: await decompress(readFileSync(file), file, {maxSize: 16 * 1024 * 1024})});
	}

	return seeds;
}

/** The Makefiles and Kbuild files of both source fixtures (real kernel files), and real flag lines of other directories. */
export function makefileSeeds(): Seed[] {
	const seeds: Seed[] = [];
	for (const version of ['6.1.170-3', '6.1.192-2']) {
		const file = fixture('kernel-source', `linux-source-${version}.tar.xz`);
		const names = execFileSync('tar', ['-tJf', file], {encoding: 'latin1'}).split('\n').filter(name => /\/(Makefile|Kbuild)$/.test(name));
		for (const name of names) {
			seeds.push({name: `${version}:${name}`, data: new Uint8Array(execFileSync('tar', ['-xJOf', file, name]))});
		}
	}

	// Linux 6.1's drivers/net/wireless/intel/iwlwifi/Makefile (lines 19, 29, 35), drivers/platform/chrome/Makefile
	// (line 5), drivers/gpu/drm/amd/amdgpu/Makefile (line 31, continued), and 6.13's drivers/crypto/intel/iaa/Makefile (line 6).
	seeds.push({name: 'real flag lines', data: new Uint8Array(Buffer.from([
		'iwlwifi-objs\t\t+= fw/dbg.o fw/pnvm.o fw/dump.o misc.o', 'ccflags-y += -I$(src)', 'CFLAGS_iwl-devtrace.o := -I$(src)',
		'CFLAGS_misc.o:=\t-I$(src)', 'ccflags-$(CONFIG_CROS_EC_SENSORHUB) += -DNOT_y',
		'ccflags-y := -I$(FULL_AMD_PATH)/include/asic_reg \\', '\t-I$(FULL_AMD_PATH)/include \\', '\t-I$(src) \\', '\t-D\'pr_fmt(fmt)=KBUILD_MODNAME ": " fmt\'',
		'ccflags-y += -I $(srctree)/drivers/dma/idxd -DDEFAULT_SYMBOL_NAMESPACE=\'"CRYPTO_DEV_IAA_CRYPTO"\'',
		'subdir-ccflags-y += -I$(srctree)/include/linux/mlx5 -DDEBUG -Wno-unused $(call cc-option,-foo)', '',
	].join('\n'), 'latin1'))});
	return seeds;
}

// ---- compression, bombs, vmlinuz -------------------------------------------------------------------

export function compressedSeeds(): Seed[] {
	return filesUnder(fixture('compression'), () => true).map(file => ({name: path.basename(file), data: read(file)}));
}

/** A zstd frame of RLE blocks: 4 bytes per 128 KiB of output, no size announced. */
export function zstdRleBomb(size: number): Uint8Array {
	const block = 128 * 1024;
	const count = Math.ceil(size / block);
	const out = new Uint8Array(6 + (4 * count));
	out.set([0x28, 0xB5, 0x2F, 0xFD, 0x00, 0x58]); // Magic; FHD: no size, window descriptor; window 2^21
	for (let index = 0; index < count; index++) {
		const last = index === count - 1 ? 1 : 0;
		const header = last | (1 << 1) | (block << 3); // Block_Type 1 = RLE_Block
		out.set([header & 0xFF, (header >>> 8) & 0xFF, (header >>> 16) & 0xFF, 0x41], 6 + (4 * index));
	}

	return out;
}

function tool(command: string, args: string[], input: Uint8Array): Uint8Array | undefined {
	try {
		return new Uint8Array(execFileSync(command, args, {input, maxBuffer: 64 * 1024 * 1024, stdio: ['pipe', 'pipe', 'ignore']}));
	} catch {
		return undefined; // The tool is not installed: that bomb is left out.
	}
}

/** Tiny inputs that expand to `size` bytes of zeros (past a cap just below it). */
export function bombSeeds(size: number): Seed[] {
	const zeros = new Uint8Array(size);
	const seeds: Seed[] = [
		{name: `gzip bomb ${size}`, data: new Uint8Array(gzipSync(zeros, {level: 9}))},
		{name: `zstd RLE bomb ${size}`, data: zstdRleBomb(size)},
	];
	const xz = tool('xz', ['-c', '-9', '--check=crc32'], zeros);
	if (xz) seeds.push({name: `xz bomb ${size}`, data: xz});
	const lz4 = tool('lz4', ['-c', '-l', '-9'], zeros);
	if (lz4) seeds.push({name: `lz4 bomb ${size}`, data: lz4});
	return seeds;
}

/** The x86 setup header of a real vmlinuz (first setup sectors), or a minimal one without the corpus. */
export function bzImageHeader(): Uint8Array {
	const real = corpus('kernels/debian-6.1.0-47-amd64/vmlinuz');
	if (existsSync(real)) {
		const data = readFileSync(real);
		const sectors = data[0x1F1] || 4;
		return new Uint8Array(data.subarray(0, (sectors + 1) * 512));
	}

	const header = new Uint8Array(2 * 512);
	header[0x1F1] = 1;
	header.set([0x48, 0x64, 0x72, 0x53], 0x202);
	new DataView(header.buffer).setUint16(0x206, 0x20F, true);
	return header;
}

/** A bzImage whose payload is `compressed` (decompressing to `size` bytes), as the kernel's build lays it out. */
export function bzImage(header: Uint8Array, compressed: Uint8Array, size: number): Uint8Array {
	const head = new Uint8Array(header);
	const view = new DataView(head.buffer);
	view.setUint32(0x248, 0, true);
	view.setUint32(0x24C, compressed.length + 4, true);
	const trailer = new Uint8Array(4);
	new DataView(trailer.buffer).setUint32(0, size, true);
	return concat(head, compressed, trailer);
}

export async function vmlinuzSeeds(): Promise<Seed[]> {
	const header = bzImageHeader();
	const seeds: Seed[] = [];
	const real = corpus('kernels/debian-6.1.0-47-amd64/vmlinuz');
	if (existsSync(real)) {
		seeds.push({name: 'vmlinuz 47 first 64 KiB', data: new Uint8Array(readFileSync(real).subarray(0, 64 * 1024))});
	}

	for (const name of ['nls_utf8.ko.gz', 'nls_utf8.ko.xz', 'nls_utf8.ko.bcj.xz', 'nls_utf8.ko.zst', 'nls_utf8.ko.legacy.lz4']) {
		const compressed = read(fixture('compression', name));
		// eslint-disable-next-line no-await-in-loop
		const size = (await decompress(compressed, name)).length;
		seeds.push({name: `bzImage(${name})`, data: bzImage(header, compressed, size)});
	}

	const vmlinux = vmlinuxSeed().data;
	seeds.push({name: 'bzImage(gzip ET_EXEC usb-storage)', data: bzImage(header, new Uint8Array(gzipSync(vmlinux)), vmlinux.length)});
	return seeds;
}

/** Kernels for loadKernel: symvers (plain and gzip'd), an ET_EXEC image, a bzImage around it. */
export async function kernelSeeds(): Promise<Array<Seed & {fileName: string}>> {
	const symvers = symversSeeds().filter(seed => seed.name.includes('amd64'));
	const vmlinux = vmlinuxSeed();
	const vmlinuz = (await vmlinuzSeeds()).find(seed => seed.name.includes('ET_EXEC'))!;
	return [
		...symvers.map(seed => ({...seed, fileName: 'Module.symvers'})),
		{name: 'Module.symvers.gz', data: new Uint8Array(gzipSync(symvers[0]!.data)), fileName: 'Module.symvers.gz'},
		{...vmlinux, fileName: 'vmlinux'},
		{...vmlinuz, fileName: 'vmlinuz'},
	];
}
