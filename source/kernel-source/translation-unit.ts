import path from 'node:path';
import type {SourceIndex} from './source-index.js';

/**
The files kbuild needs besides the headers package to preprocess `file` as the kernel build did:
the file, the local headers it includes (`#include "…"`, transitively), every header of its own
directory (some are included through macros, e.g. trace headers via TRACE_INCLUDE_FILE) and
every header below the directories its Makefile adds with -I.
*/
export function translationUnitFiles(index: SourceIndex, file: string, includeDirectories: readonly string[] = []): string[] {
	const position = index.files.indexOf(file);
	if (position === -1) {
		return [];
	}

	const parent = path.posix.dirname(file);
	const directory = parent === '.' ? '' : `${parent}/`;
	const folders = includeDirectories.map(folder => `${folder}/`);
	const start = [position];
	// 78,000 names in Linux 6.1: prefix tests, no path parsing.
	for (const [other, name] of index.files.entries()) {
		if (name.endsWith('.h') && ((name.startsWith(directory) && !name.includes('/', directory.length)) || folders.some(folder => name.startsWith(folder)))) {
			start.push(other);
		}
	}

	return includeClosure(index, start);
}

/** `start` and every local header they include, transitively, as tree-relative paths. */
export function includeClosure(index: SourceIndex, start: readonly number[]): string[] {
	const seen = new Set<number>(start);
	const queue = [...start];
	for (let head = 0; head < queue.length; head++) {
		for (const target of index.includes.get(queue[head]!) ?? []) {
			if (!seen.has(target)) {
				seen.add(target);
				queue.push(target);
			}
		}
	}

	return [...seen].map(other => index.files[other]!);
}

/** The kbuild files of a directory and of its parents (subdir-ccflags are inherited). */
export function makefilesOf(file: string): string[] {
	const result: string[] = [];
	for (let directory = path.posix.dirname(file); directory !== '.' && directory !== ''; directory = path.posix.dirname(directory)) {
		result.push(`${directory}/Makefile`, `${directory}/Kbuild`);
	}

	return result;
}

export type CandidateContext = {
	/** Architectures the headers are for (`x86`). */
	architectures: readonly string[];
	/** Where Module.symvers says the symbol lives: `vmlinux` or `drivers/media/v4l2-core/videodev`. */
	exporter: string | undefined;
};

/**
The files that may export `symbol` (by name, else by a macro's pasted pattern), most likely
first: other architectures' files are dropped;
for a module's export, files in the module's directory come first; then files outside arch/.
Which one the kernel built is settled later, by the CRC.
*/
export function exportingCandidates(index: SourceIndex, symbol: string, context: CandidateContext): string[] {
	const named = index.exports.get(symbol) ?? [...index.pasted].flatMap(([pattern, files]) => (new RegExp(pattern).test(symbol) ? files : []));
	const files = [...new Set(named)].map(position => index.files[position]!);
	const ownArch = (file: string) => !file.startsWith('arch/') || context.architectures.some(arch => file.startsWith(`arch/${arch}/`));
	const moduleDirectory = context.exporter && context.exporter !== 'vmlinux' ? path.posix.dirname(context.exporter) + '/' : undefined;
	const score = (file: string) => (moduleDirectory && file.startsWith(moduleDirectory) ? 0 : 2) + (file.startsWith('arch/') ? 0 : 1);
	return files.filter(file => ownArch(file)).sort((a, b) => score(a) - score(b) || (a < b ? -1 : a > b ? 1 : 0));
}

/**
Whether a directory's Makefile builds `file` in this configuration, as far as its lines tell:
`obj-$(CONFIG_FOO) += stem.o`, `name-y += stem.o`, inside `ifeq ($(CONFIG_X),y)`, `ifdef CONFIG_X`
and their `else`s. Undefined when no line names it. Conditions of another shape count as true.
*/
export function builtByConfig(makefile: string, file: string, config: ReadonlyMap<string, string>): boolean | undefined {
	const stem = path.posix.basename(file).replace(/\.[cS]$/, '');
	const object = new RegExp(`(^|\\s)${stem.replaceAll(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.o(\\s|$)`);
	const enabled = (name: string) => ['y', 'm'].includes(config.get(name) ?? 'n');
	const active: boolean[] = [];
	let seen: boolean | undefined;
	// Arch/x86/lib/Makefile: lib-y += memcpy_$(BITS).o
	const bits = config.get('CONFIG_64BIT') === 'y' ? '64' : '32';
	for (const line of makefile.replaceAll(/\\\n/g, ' ').replaceAll('$(BITS)', bits).split('\n')) {
		const conditional = /^\s*(ifeq|ifneq|ifdef|ifndef|else|endif)\b\s*(.*)$/.exec(line);
		if (conditional) {
			const [, keyword, rest] = conditional;
			if (keyword === 'endif') {
				active.pop();
			} else if (keyword === 'else') {
				active.push(!active.pop());
			} else {
				active.push(condition(keyword!, rest!.trim(), config, enabled));
			}

			continue;
		}

		const match = /^\s*[\w-]*-(y|m|\$\((CONFIG_\w+)\))\s*[:+]?=(.*)$/.exec(line);
		if (!match || !object.test(match[3]!)) {
			continue;
		}

		const built = active.every(Boolean) && (match[2] === undefined || enabled(match[2]));
		seen = (seen ?? false) || built;
	}

	return seen;
}

function condition(keyword: string, text: string, config: ReadonlyMap<string, string>, enabled: (name: string) => boolean): boolean {
	if (keyword === 'ifdef' || keyword === 'ifndef') {
		const name = /^(CONFIG_\w+)$/.exec(text)?.[1];
		return name === undefined ? true : enabled(name) === (keyword === 'ifdef');
	}

	// Ifeq ($(CONFIG_X),y), ifneq ($(CONFIG_X),), and the quoted forms.
	const compared = /^\(\s*\$\((CONFIG_\w+)\)\s*,\s*(\w*)\s*\)$/.exec(text) ?? /^['"]\$\((CONFIG_\w+)\)['"]\s+['"](\w*)['"]$/.exec(text);
	if (!compared) {
		return true;
	}

	const equal = (config.get(compared[1]!) ?? '') === compared[2];
	return keyword === 'ifeq' ? equal : !equal;
}
