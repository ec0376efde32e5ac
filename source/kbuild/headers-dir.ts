import {createHash} from 'node:crypto';
import {existsSync, readdirSync} from 'node:fs';
import {access, readFile} from 'node:fs/promises';
import path from 'node:path';
import {fileIdentity} from '../common/cache.js';
import {InputError} from '../common/input-error.js';

/*
A kernel headers/build directory (Debian's linux-headers-<release>, Fedora's kernel-devel,
/lib/modules/<release>/build): what kbuild needs to compile against a kernel without its source.
*/

export type HeadersVersion = {major: number; minor: number; sublevel: number | undefined; release: string};

export async function readText(file: string): Promise<string | undefined> {
	try {
		return await readFile(file, 'utf8');
	} catch {
		return undefined;
	}
}

/**
Where the headers' source part lives (kbuild's srctree): Debian splits a flavour's directory
(generated files, config) from a common one (include/, arch/ARCH/include/, scripts/), which the
flavour's one-line Makefile includes.
*/
export async function headersSourceTree(headers: string): Promise<string> {
	const makefile = await readText(path.join(headers, 'Makefile')) ?? '';
	const included = /^include\s+(\S+)\/Makefile\s*$/m.exec(makefile);
	if (!included || /^VERSION\s*=/m.test(makefile)) {
		return headers;
	}

	// The path is absolute (/usr/src/…-common): in a package unpacked elsewhere, the one beside it.
	const named = path.resolve(headers, included[1]!);
	const beside = path.join(path.dirname(path.resolve(headers)), path.basename(named));
	return !existsSync(named) && existsSync(beside) ? beside : named;
}

/** The top Makefile's text. */
async function topMakefile(headers: string): Promise<string> {
	return await readText(path.join(await headersSourceTree(headers), 'Makefile')) ?? '';
}

export async function headersVersion(headers: string): Promise<HeadersVersion> {
	try {
		await access(path.join(headers, 'Makefile'));
	} catch {
		throw new InputError(headers, 'not a kernel headers directory (no Makefile)');
	}

	const makefile = await topMakefile(headers);
	const field = (name: string) => /^(\d+)\s*$/.exec(new RegExp(`^${name}\\s*=\\s*(.*)$`, 'm').exec(makefile)?.[1] ?? '')?.[1];
	const sublevel = field('SUBLEVEL');
	const release = (await readText(path.join(headers, 'include/config/kernel.release')))?.trim();
	const fromRelease = release ? /^(\d+)\.(\d+)/.exec(release) : undefined;
	if (release && fromRelease) {
		return {major: Number(fromRelease[1]), minor: Number(fromRelease[2]), sublevel: sublevel === undefined ? undefined : Number(sublevel), release};
	}

	const major = field('VERSION');
	const minor = field('PATCHLEVEL');
	if (major === undefined || minor === undefined) {
		throw new InputError(headers, 'cannot tell the kernel version (no include/config/kernel.release, no VERSION in the Makefile)');
	}

	return {major: Number(major), minor: Number(minor), sublevel: sublevel === undefined ? undefined : Number(sublevel), release: release ?? `${major}.${minor}`};
}

/** The compiler the headers were configured with: `gcc-12` from CONFIG_CC_VERSION_TEXT. */
export async function headersCompiler(headers: string): Promise<string | undefined> {
	const config = await readText(path.join(headers, 'include/config/auto.conf')) ?? await readText(path.join(headers, '.config'));
	const text = config ? /^CONFIG_CC_VERSION_TEXT="?([^"\n]*)/m.exec(config)?.[1] : undefined;
	const word = text?.split(/\s+/)[0];
	if (!word) {
		return undefined;
	}

	// "Debian clang version 16…" / "clang version 16…": the binary is clang.
	return text!.includes('clang version') ? 'clang' : word;
}

/** `CONFIG_FOO` → 'y' | 'm' | value, from include/config/auto.conf (what kbuild itself reads). */
export async function headersConfig(headers: string): Promise<Map<string, string>> {
	const text = await readText(path.join(headers, 'include/config/auto.conf')) ?? await readText(path.join(headers, '.config')) ?? '';
	const config = new Map<string, string>();
	for (const match of text.matchAll(/^(CONFIG_\w+)=(.*)$/gm)) {
		config.set(match[1]!, match[2]!);
	}

	return config;
}

/** The architectures a headers directory has (`arch/x86` on Debian amd64). */
export function headersArchitectures(headers: string): string[] {
	try {
		return readdirSync(path.join(headers, 'arch'), {withFileTypes: true}).filter(entry => entry.isDirectory()).map(entry => entry.name);
	} catch {
		return [];
	}
}

/** Whether a directory looks like a headers/build directory kbuild can build against. */
export function isHeadersDirectory(directory: string): boolean {
	return existsSync(path.join(directory, 'Makefile')) && (existsSync(path.join(directory, 'include/config/auto.conf')) || existsSync(path.join(directory, '.config')));
}

/** A key that changes whenever what kbuild reads from the headers changes (ctime included). */
export async function headersIdentity(headers: string): Promise<string> {
	const hash = createHash('sha256').update(path.resolve(headers));
	for (const name of ['Module.symvers', 'include/config/auto.conf', 'include/generated/autoconf.h', 'Makefile']) {
		// eslint-disable-next-line no-await-in-loop
		hash.update(`\0${name}:${(await fileIdentity(path.join(headers, name)))?.key ?? '-'}`);
	}

	return hash.digest('hex');
}
