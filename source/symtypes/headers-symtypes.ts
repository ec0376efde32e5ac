import {createHash} from 'node:crypto';
import path from 'node:path';
import {cacheEntryPath, readCache, writeCache} from '../common/cache.js';
import {headersIdentity, headersVersion} from '../kbuild/headers-dir.js';
import {kbuildSymtypes} from '../kbuild/kbuild-symtypes.js';
import type {MakeOptions} from '../kbuild/run-make.js';
import {genksymsCrc} from './genksyms-crc.js';
import {parseSymtypes} from './read-symtypes.js';

export type GeneratedSymtypes = {
	/** The `.symtypes` text kbuild wrote for the generated `version.c`. */
	text: string;
	/** `module_layout`'s CRC, recomputed from the symtypes as genksyms does. */
	crc: number;
	/** `major.minor` of the headers, which chose the `#include` set. */
	version: string;
	/** Where the symtypes were cached, when a cache directory was given. */
	cachePath?: string;
	/** Caveats, e.g. a kernel older than the recipe. */
	notes: string[];
};

export type GenerateOptions = MakeOptions & {cacheDir?: string};

// The #include lines of kernel/module/version.c and kernel/module/internal.h (6.1); 6.12 drops
// linux/dynamic_debug.h. With fewer headers more structs stay { UNKNOWN } and the CRC differs.
const includes61 = [
	'linux/module.h', 'linux/string.h', 'linux/printk.h', 'linux/elf.h', 'linux/compiler.h', 'linux/mutex.h',
	'linux/rculist.h', 'linux/rcupdate.h', 'linux/mm.h', 'linux/dynamic_debug.h',
];
const includes612 = includes61.filter(name => name !== 'linux/dynamic_debug.h');

// Copied from kernel/module/version.c (6.1, 6.12): genksyms drops parameter names anyway.
const moduleLayout = `void module_layout(struct module *mod,
		   struct modversion_info *ver,
		   struct kernel_param *kp,
		   struct kernel_symbol *ks,
		   struct tracepoint * const *tp)
{
}
EXPORT_SYMBOL(module_layout);
`;

/*
Since 6.5 struct kernel_symbol is defined in kernel/module/internal.h, which no headers package
ships: without it the struct stays { UNKNOWN } and 6.12's CRC is not the kernel's (Debian
6.12.107: 0xb604301b instead of 0x5002fa32). It goes into a header of its own, as in the tree:
genksyms ignores the definitions of structs in the source file itself (parse.y, record_compound).
Copied from 6.12's internal.h.
*/
const internalHeader612 = `struct kernel_symbol {
#ifdef CONFIG_HAVE_ARCH_PREL32_RELOCATIONS
	int value_offset;
	int name_offset;
	int namespace_offset;
#else
	unsigned long value;
	const char *name;
	const char *namespace;
#endif
};
`;

const from612 = (major: number, minor: number) => major > 6 || (major === 6 && minor >= 12);

export function moduleLayoutSource(major: number, minor: number): string {
	const includes = (from612(major, minor) ? [...includes612.map(name => `<${name}>`), '"internal.h"'] : includes61.map(name => `<${name}>`));
	return includes.map(name => `#include ${name}\n`).join('') + '\n' + moduleLayout;
}

/** The files of the generated unit: version.c, and from 6.12 on the internal.h it includes. */
export function moduleLayoutFiles(major: number, minor: number): Map<string, string> {
	return new Map([['version.c', moduleLayoutSource(major, minor)], ...(from612(major, minor) ? [['internal.h', internalHeader612]] as Array<[string, string]> : [])]);
}

/**
Let the kernel's own kbuild produce the exact `.symtypes` of `module_layout` from an installed
headers package (what DKMS needs anyway): a one-file external module with the includes of
kernel/module/version.c, built with `KBUILD_SYMTYPES=1`. The temporary directory is always removed.
*/
export async function generateModuleLayoutSymtypes(headersDir: string, options: GenerateOptions): Promise<GeneratedSymtypes> {
	const headers = path.resolve(headersDir);
	const {major, minor, release} = await headersVersion(headers);
	const files = moduleLayoutFiles(major, minor);
	const notes: string[] = [];
	if (major < 5 || (major === 5 && minor < 19)) {
		notes.push(`kernel ${major}.${minor} defines module_layout in kernel/module.c with many more headers: the generated CRC may not be the kernel's`);
	}

	const key = options.cacheDir ? createHash('sha256').update(await headersIdentity(headers)).update('\0').update(release).update('\0').update([...files.values()].join('\0')).digest('hex').slice(0, 32) : undefined;
	const cachePath = key ? cacheEntryPath(options.cacheDir!, cacheKind, key) : undefined;
	if (key) {
		const cached = parseCached(await readCache(options.cacheDir, cacheKind, key));
		if (cached) {
			return {...cached, version: `${major}.${minor}`, cachePath, notes};
		}
	}

	const text = await kbuildSymtypes(headers, {files, source: 'version.c', module: true}, options);
	const crc = genksymsCrc(parseSymtypes(text, 'version.symtypes'), 'module_layout');
	if (key) {
		await writeCache(options.cacheDir, cacheKind, key, Buffer.from(JSON.stringify({text, crc})));
	}

	return {text, crc, version: `${major}.${minor}`, ...(cachePath ? {cachePath} : {}), notes};
}

const cacheKind = 'symtypes-module_layout';

function parseCached(data: Uint8Array | undefined): {text: string; crc: number} | undefined {
	if (!data) {
		return undefined;
	}

	try {
		const value = JSON.parse(Buffer.from(data).toString('utf8')) as {text?: unknown; crc?: unknown};
		return typeof value.text === 'string' && typeof value.crc === 'number' ? {text: value.text, crc: value.crc} : undefined;
	} catch {
		return undefined; // A damaged cache entry is regenerated.
	}
}
