import {createHash} from 'node:crypto';
import {readdirSync, readFileSync, type Dirent} from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import {readCache, writeCache} from '../common/cache.js';
import {isInputError} from '../common/input-error.js';
import {parseSymtypes} from './read-symtypes.js';
import type {SymtypesIndex} from './symtypes-index.js';
import {headersArchitectures, headersIdentity, headersSourceTree} from '../kbuild/headers-dir.js';
import {kbuildSymtypes} from '../kbuild/kbuild-symtypes.js';
import type {MakeOptions} from '../kbuild/run-make.js';

export type DeclaringHeader = {
	/** As an #include names it: `linux/miscdevice.h`. */
	header: string;
	index: SymtypesIndex;
};

const cacheKind = 'symtypes-declaration';
const maximumCandidates = 3;

/**
The symtypes genksyms makes of `symbol` from the installed header that declares it: a file of
`#include <linux/export.h>`, `#include <that header>` and `EXPORT_SYMBOL(symbol)`, preprocessed by
the headers' kbuild. Every type defined there is defined in any file that includes the
declaration, so it is a part of what the real exporting file hashed (all of it, when the CRC
comes out as the kernel's). Undefined when no header declares the symbol.
*/
export async function declaringHeaderSymtypes(headers: string, symbol: string, options: MakeOptions & {cacheDir?: string}): Promise<DeclaringHeader | undefined> {
	if (!/^[A-Za-z_]\w*$/.test(symbol)) {
		return undefined;
	}

	const key = createHash('sha256').update(`${await headersIdentity(headers)}\0${symbol}`).digest('hex').slice(0, 40);
	const cached = await readCache(options.cacheDir, cacheKind, key);
	if (cached) {
		try {
			const {header, text} = JSON.parse(zlib.gunzipSync(cached).toString('latin1')) as {header: string; text: string};
			return {header, index: parseSymtypes(text, `${header} (${headers})`)};
		} catch {}
	}

	const candidates = await declaringHeaders(headers, symbol);
	for (const header of candidates.slice(0, maximumCandidates)) {
		const source = `#include <linux/export.h>\n#include <${header}>\nEXPORT_SYMBOL(${symbol});\n`;
		let text: string;
		try {
			// eslint-disable-next-line no-await-in-loop
			text = await kbuildSymtypes(headers, {files: new Map([['declaration.c', source]]), source: 'declaration.c', module: false}, options);
		} catch (error) {
			if (isInputError(error)) {
				continue; // Not a header that compiles alone, or no declaration after all.
			}

			throw error;
		}

		const index = parseSymtypes(text, `${header} (${headers})`);
		if (index.exports.has(symbol)) {
			// eslint-disable-next-line no-await-in-loop
			await writeCache(options.cacheDir, cacheKind, key, zlib.gzipSync(Buffer.from(JSON.stringify({header, text}), 'latin1')), 512);
			return {header, index};
		}
	}

	return undefined;
}

/**
Headers of include/ and arch/<arch>/include/ with a line that declares `symbol`: a prototype
(`int misc_register(struct miscdevice *misc);`) or an extern variable, not a macro. The common
include/linux/ first.
*/
export async function declaringHeaders(headers: string, symbol: string): Promise<string[]> {
	const srctree = await headersSourceTree(headers);
	const roots = ['include', ...headersArchitectures(headers).map(arch => `arch/${arch}/include`)];
	const needle = Buffer.from(symbol);
	const declaration = new RegExp(`^(?!\\s*#)[^;{}()=]*[\\w*\\s]\\b${symbol}\\s*(\\(|(\\[[^\\]]*\\])*\\s*;)`, 'm');
	const found: Array<{header: string; rank: number}> = [];
	for (const root of roots) {
		for (const file of headerFiles(path.join(srctree, root))) {
			let data: Buffer;
			try {
				data = readFileSync(file);
			} catch {
				continue;
			}

			const at = data.indexOf(needle);
			if (at === -1) {
				continue;
			}

			const text = data.toString('latin1');
			if (!declaration.test(text.replaceAll(/\\\n/g, ' '))) {
				continue;
			}

			const header = path.relative(path.join(srctree, root), file).split(path.sep).join('/');
			// Uapi headers describe user space; asm-generic is reached through <asm/…>.
			if (header.startsWith('uapi/') || header.startsWith('asm-generic/')) {
				continue;
			}

			found.push({header, rank: (header.startsWith('linux/') ? 0 : 1) + (root === 'include' ? 0 : 2)});
		}
	}

	return found.sort((a, b) => a.rank - b.rank || a.header.length - b.header.length).map(entry => entry.header);
}

function headerFiles(directory: string): string[] {
	const files: string[] = [];
	const pending = [directory];
	while (pending.length > 0) {
		const folder = pending.pop()!;
		let entries: Dirent[];
		try {
			entries = readdirSync(folder, {withFileTypes: true});
		} catch {
			continue;
		}

		for (const entry of entries) {
			const full = path.join(folder, entry.name);
			if (entry.isDirectory()) {
				pending.push(full);
			} else if (entry.name.endsWith('.h')) {
				files.push(full);
			}
		}
	}

	return files;
}
