import {spawn} from 'node:child_process';
import {createHash} from 'node:crypto';
import {constants} from 'node:fs';
import {access, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {cacheEntryPath, fileIdentity, readCache, writeCache} from '../common/cache.js';
import {describeFsError} from '../common/fs-errors.js';
import {InputError} from '../common/input-error.js';
import {genksymsCrc} from './genksyms-crc.js';
import {readSymtypes} from './read-symtypes.js';

export type GeneratedSymtypes = {
	/** The `.symtypes` text kbuild wrote for the generated `version.c`. */
	text: string;
	/** `module_layout`'s CRC as kbuild computed it (`#SYMVER` in `.version.o.cmd`). */
	crc: number;
	/** `major.minor` of the headers, which chose the `#include` set. */
	version: string;
	/** Where the symtypes were cached, when a cache directory was given. */
	cachePath?: string;
	/** Caveats, e.g. a kernel older than the recipe. */
	notes: string[];
};

export type GenerateOptions = {
	timeoutMs: number;
	cacheDir?: string;
	/** For tests: where `make` and the compiler are looked up. */
	pathEnv?: string;
};

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

export function moduleLayoutSource(major: number, minor: number): string {
	const includes = major > 6 || (major === 6 && minor >= 12) ? includes612 : includes61;
	return includes.map(name => `#include <${name}>\n`).join('') + '\n' + moduleLayout;
}

/**
Let the kernel's own kbuild produce the exact `.symtypes` of `module_layout` from an installed
headers package (what DKMS needs anyway): a one-file external module with the includes of
kernel/module/version.c, built with `KBUILD_SYMTYPES=1`. The temporary directory is always removed.
*/
export async function generateModuleLayoutSymtypes(headersDir: string, options: GenerateOptions): Promise<GeneratedSymtypes> {
	const headers = path.resolve(headersDir);
	const {major, minor, release} = await headersVersion(headers);
	const source = moduleLayoutSource(major, minor);
	const notes: string[] = [];
	if (major < 5 || (major === 5 && minor < 19)) {
		notes.push(`kernel ${major}.${minor} defines module_layout in kernel/module.c with many more headers: the generated CRC may not be the kernel's`);
	}

	const key = options.cacheDir ? await cacheKey(headers, release, source) : undefined;
	const cachePath = key ? cacheEntryPath(options.cacheDir!, cacheKind, key) : undefined;
	if (key) {
		const cached = parseCached(await readCache(options.cacheDir, cacheKind, key));
		if (cached) {
			return {...cached, version: `${major}.${minor}`, cachePath, notes};
		}
	}

	const pathEnv = options.pathEnv ?? process.env['PATH'] ?? '';
	await requireTool('make', pathEnv, 'make', headers);
	const compiler = await headersCompiler(headers);
	if (compiler) {
		await requireTool(compiler, pathEnv, compilerPackage(compiler), headers);
	}

	const directory = await mkdtemp(path.join(os.tmpdir(), 'kmodx-symtypes-'));
	try {
		await writeFile(path.join(directory, 'Kbuild'), 'obj-m := version.o\n');
		await writeFile(path.join(directory, 'version.c'), source);
		await runMake(headers, directory, options.timeoutMs, pathEnv);
		const text = await readGenerated(path.join(directory, 'version.symtypes'), headers);
		const crc = await readSymver(path.join(directory, '.version.o.cmd')) ?? genksymsCrc(readSymtypes(text, 'version.symtypes'), 'module_layout');
		if (key) {
			await writeCache(options.cacheDir, cacheKind, key, Buffer.from(JSON.stringify({text, crc})));
		}

		return {text, crc, version: `${major}.${minor}`, ...(cachePath ? {cachePath} : {}), notes};
	} finally {
		await rm(directory, {recursive: true, force: true});
	}
}

async function headersVersion(headers: string): Promise<{major: number; minor: number; release: string}> {
	try {
		await access(path.join(headers, 'Makefile'));
	} catch {
		throw new InputError(headers, 'not a kernel headers directory (no Makefile)');
	}

	const release = (await readText(path.join(headers, 'include/config/kernel.release')))?.trim();
	const fromRelease = release ? /^(\d+)\.(\d+)/.exec(release) : undefined;
	if (release && fromRelease) {
		return {major: Number(fromRelease[1]), minor: Number(fromRelease[2]), release};
	}

	// Debian's per-flavour Makefile only includes the common one.
	let makefile = await readText(path.join(headers, 'Makefile')) ?? '';
	const included = /^include\s+(\S+\/Makefile)\s*$/m.exec(makefile);
	if (included && !/^VERSION\s*=/m.test(makefile)) {
		makefile = await readText(path.resolve(headers, included[1]!)) ?? makefile;
	}

	const major = /^VERSION\s*=\s*(\d+)/m.exec(makefile)?.[1];
	const minor = /^PATCHLEVEL\s*=\s*(\d+)/m.exec(makefile)?.[1];
	if (major === undefined || minor === undefined) {
		throw new InputError(headers, 'cannot tell the kernel version (no include/config/kernel.release, no VERSION in the Makefile)');
	}

	return {major: Number(major), minor: Number(minor), release: release ?? `${major}.${minor}`};
}

/** The compiler the headers were configured with: `gcc-12` from CONFIG_CC_VERSION_TEXT. */
async function headersCompiler(headers: string): Promise<string | undefined> {
	const config = await readText(path.join(headers, 'include/config/auto.conf')) ?? await readText(path.join(headers, '.config'));
	const text = config ? /^CONFIG_CC_VERSION_TEXT="?([^"\n]*)/m.exec(config)?.[1] : undefined;
	const word = text?.split(/\s+/)[0];
	if (!word) {
		return undefined;
	}

	// "Debian clang version 16…" / "clang version 16…": the binary is clang.
	return text!.includes('clang version') ? 'clang' : word;
}

function compilerPackage(compiler: string): string {
	return /^(gcc|clang)(-\d+)?$/.test(compiler) ? compiler : `the package that provides ${compiler}`;
}

async function requireTool(tool: string, pathEnv: string, debianPackage: string, headers: string) {
	for (const folder of pathEnv.split(path.delimiter)) {
		if (!folder) {
			continue;
		}

		try {
			await access(path.join(folder, tool), constants.X_OK); // eslint-disable-line no-await-in-loop
			return;
		} catch {}
	}

	throw new InputError(headers, `generating symtypes needs ${tool}, which is not installed (Debian/Ubuntu: apt-get install ${debianPackage})`);
}

async function runMake(headers: string, directory: string, timeoutMs: number, pathEnv: string): Promise<void> {
	const args = ['-C', headers, `M=${directory}`, 'KBUILD_SYMTYPES=1', 'version.o'];
	await new Promise<void>((resolve, reject) => {
		// Own process group, so that a timeout kills make and the compiler it started.
		const child = spawn('make', args, {
			detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: {...process.env, PATH: pathEnv, LC_ALL: 'C'},
		});
		let output = '';
		const collect = (chunk: Buffer) => {
			output = (output + chunk.toString('utf8')).slice(-4000);
		};

		child.stdout.on('data', collect);
		child.stderr.on('data', collect);
		let timedOut = false;
		const timer = setTimeout(() => {
			timedOut = true;
			try {
				process.kill(-child.pid!, 'SIGKILL');
			} catch {}
		}, timeoutMs);
		child.on('error', error => {
			clearTimeout(timer);
			reject(new InputError(headers, `cannot run make: ${error.message}`));
		});
		child.on('close', (code, signal) => {
			clearTimeout(timer);
			if (timedOut) {
				reject(new InputError(headers, `make did not finish within ${timeoutMs / 1000} s and was stopped`));
			} else if (code === 0) {
				resolve();
			} else {
				const lastLines = output.trim().split('\n').slice(-3).join(' | ');
				reject(new InputError(headers, `make ${args.join(' ')} failed (${signal ?? `exit ${code}`}): ${lastLines}`));
			}
		});
	});
}

async function readGenerated(file: string, headers: string): Promise<string> {
	try {
		return await readFile(file, 'latin1');
	} catch (error) {
		throw new InputError(headers, `kbuild wrote no ${path.basename(file)} (${describeFsError(error)}): the headers may lack CONFIG_MODVERSIONS`);
	}
}

async function readSymver(cmdFile: string): Promise<number | undefined> {
	const text = await readText(cmdFile);
	const match = text ? /^#SYMVER module_layout (0x[\da-f]+)/m.exec(text) : undefined;
	return match ? Number.parseInt(match[1]!, 16) >>> 0 : undefined;
}

async function readText(file: string): Promise<string | undefined> {
	try {
		return await readFile(file, 'utf8');
	} catch {
		return undefined;
	}
}

const cacheKind = 'symtypes-module_layout';

// The key covers what decides the result: the headers' identity (ctime included) and the generated source.
async function cacheKey(headers: string, release: string, source: string): Promise<string> {
	const hash = createHash('sha256').update(headers).update('\0').update(release).update('\0').update(source);
	for (const name of ['Module.symvers', 'include/config/auto.conf', 'include/generated/autoconf.h']) {
		// eslint-disable-next-line no-await-in-loop
		hash.update(`\0${name}:${(await fileIdentity(path.join(headers, name)))?.key ?? '-'}`);
	}

	return hash.digest('hex').slice(0, 32);
}

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
