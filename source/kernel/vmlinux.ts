import {contentHash, imageBtfCacheKind, readCache, resolveCacheDir, writeCache} from '../common/cache.js';
import {InputError} from '../common/input-error.js';
import {extractVmlinux, isBzImage, linuxBanner} from '../compression/vmlinuz.js';
import {ET_REL, ElfFile} from '../elf/elf-file.js';
import {hasExportFlags, readKsymtab} from '../module/ksymtab.js';
import {exportTypes} from '../module/module-info.js';
import type {Kernel, KernelExport} from './kernel.js';
import {labelFromPath, type KernelSpec, type LoadKernelOptions} from './kernel-spec.js';
import {MapTable} from './map-table.js';

/** Bump when the cached record's meaning changes. */
const cacheKind = 'kernel-exports-2';

type CachedKernel = {
	release: string | undefined;
	vermagic: string | undefined;
	machine: number;
	hasBtf: boolean;
	/** The image has `__kflagstab` (7.x symbol tables). */
	exportFlags: boolean;
	exports: Array<[name: string, crc: number | null, exportType: KernelExport['exportType'], namespace: string]>;
};

const isText = (value: unknown) => value === undefined || typeof value === 'string';

/** Whether a parsed cache entry has the shape `readImage` makes: every field, every export. */
export function isCachedKernel(value: unknown): value is CachedKernel {
	if (value === null || typeof value !== 'object') {
		return false;
	}

	const record = value as Partial<Record<keyof CachedKernel, unknown>>;
	return isText(record.release) && isText(record.vermagic)
		&& typeof record.machine === 'number' && typeof record.hasBtf === 'boolean' && typeof record.exportFlags === 'boolean'
		&& Array.isArray(record.exports)
		&& record.exports.every((entry: unknown) => Array.isArray(entry) && entry.length === 4
			&& typeof entry[0] === 'string' && entry[0] !== ''
			&& (entry[1] === null || (Number.isInteger(entry[1]) && (entry[1] as number) >= 0 && (entry[1] as number) <= 0xFF_FF_FF_FF))
			&& (exportTypes as readonly unknown[]).includes(entry[2]) && typeof entry[3] === 'string');
}

/**
A kernel given as its image: `vmlinux` (ELF) or a compressed `vmlinuz`/bzImage. The CRCs come
straight from `__ksymtab*`/`__kcrctab*`; release and vermagic from the image's own strings.
Decompressing a vmlinuz takes about a second, so the result is cached by content hash.
*/
export async function readVmlinuxKernel(spec: KernelSpec, file: string, data: Uint8Array, options: LoadKernelOptions): Promise<Kernel> {
	const compressed = isBzImage(data);
	const directory = resolveCacheDir(undefined);
	const key = contentHash(data);
	const cached = await readCache(directory, cacheKind, key);
	let record: CachedKernel | undefined;
	let btfData: Uint8Array | undefined;
	if (cached) {
		try {
			const parsed: unknown = JSON.parse(Buffer.from(cached).toString('utf8'));
			// A damaged entry ({}, {"exports": 5}, a wrong field) is a miss: recomputed and rewritten.
			record = isCachedKernel(parsed) ? parsed : undefined;
		} catch {
			record = undefined;
		}
	}

	if (!record) {
		let elfData = data;
		let release: string | undefined;
		if (compressed) {
			options.onProgress?.(`decompressing ${file}`);
			const extracted = await extractVmlinux(data, file);
			elfData = extracted.elf;
			release = extracted.release;
		}

		const elf = new ElfFile(elfData, file);
		record = readImage(elf, elfData, file, release);
		await writeCache(directory, cacheKind, key, Buffer.from(JSON.stringify(record)));
		// One decompression serves `why` too: keep the image's BTF under the key the BTF loader uses.
		const btf = elf.section('.BTF');
		if (compressed && btf) {
			btfData = elf.sectionData(btf).slice();
			await writeCache(directory, imageBtfCacheKind, key, btfData);
		}
	}

	const exports = new MapTable(record.exports.map(([name, crc, exportType, namespace]) => ({
		name,
		crc: crc ?? undefined,
		module: 'vmlinux',
		exportType,
		namespace,
	})));
	return {
		label: spec.label ?? record.release ?? labelFromPath(file),
		source: spec.source,
		kind: compressed ? 'vmlinuz' : 'vmlinux',
		files: [file],
		release: record.release,
		vermagic: record.vermagic,
		vermagicFlags: record.vermagic?.slice(record.vermagic.indexOf(' ') + 1),
		machine: record.machine,
		// An image built with CONFIG_MODVERSIONS has `__kcrctab`: every export has a CRC.
		modversions: record.exports.some(entry => entry[1] !== null),
		exportFlags: record.exportFlags,
		exports,
		modulesIncluded: false,
		config: undefined,
		typeSources: record.hasBtf ? [{kind: 'btf', path: file, data: btfData}] : [],
	};
}

function readImage(elf: ElfFile, data: Uint8Array, file: string, releaseFromHeader: string | undefined): CachedKernel {
	if (elf.type === ET_REL) {
		throw new InputError(file, 'is a kernel module, not a kernel image: pass modules as PATH, kernels with -k');
	}

	if (!elf.section('__ksymtab') && !elf.section('__ksymtab_gpl')) {
		throw new InputError(file, 'kernel image has no __ksymtab sections: cannot tell its exports');
	}

	const release = releaseFromHeader ?? linuxBanner(data)?.split(' ')[0];
	return {
		release,
		vermagic: release ? findVermagic(data, release) : undefined,
		machine: elf.machine,
		hasBtf: Boolean(elf.section('.BTF')),
		exportFlags: hasExportFlags(elf),
		exports: readKsymtab(elf).map(entry => [entry.name, entry.crc ?? null, entry.exportType, entry.namespace]),
	};
}

const latin1 = new TextDecoder('latin1');

/** The image keeps `vermagic[] = VERMAGIC_STRING` ("<release> SMP preempt … ") for module loading. */
function findVermagic(data: Uint8Array, release: string): string | undefined {
	const buffer = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
	const needle = Buffer.from(`\0${release} `);
	for (let at = buffer.indexOf(needle); at !== -1; at = buffer.indexOf(needle, at + 1)) {
		const end = buffer.indexOf(0, at + 1);
		if (end === -1 || end - at > 256) {
			continue;
		}

		const text = latin1.decode(data.subarray(at + 1, end));
		if (/^\S+ ([\w-]+ )+$/.test(text) && /\b(mod_unload|modversions|SMP)\b/.test(text)) {
			return text;
		}
	}

	return undefined;
}
