import path from 'node:path';
import type {SourceIndex} from './source-index.js';

/**
The files kbuild needs besides the headers package to preprocess `file` as the kernel build did:
the file, the local headers it includes (`#include "…"`, transitively), and every header of its
own directory (some are included through macros, e.g. trace headers via TRACE_INCLUDE_FILE).
*/
export function translationUnitFiles(index: SourceIndex, file: string): string[] {
	const position = index.files.indexOf(file);
	if (position === -1) {
		return [];
	}

	const directory = path.posix.dirname(file);
	const start = [position];
	for (const [other, name] of index.files.entries()) {
		if (name.endsWith('.h') && path.posix.dirname(name) === directory) {
			start.push(other);
		}
	}

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
The files that may export `symbol`, most likely first: other architectures' files are dropped;
for a module's export, files in the module's directory come first; then files outside arch/.
Which one the kernel built is settled later, by the CRC.
*/
export function exportingCandidates(index: SourceIndex, symbol: string, context: CandidateContext): string[] {
	const files = (index.exports.get(symbol) ?? []).map(position => index.files[position]!);
	const ownArch = (file: string) => !file.startsWith('arch/') || context.architectures.some(arch => file.startsWith(`arch/${arch}/`));
	const moduleDirectory = context.exporter && context.exporter !== 'vmlinux' ? path.posix.dirname(context.exporter) + '/' : undefined;
	const score = (file: string) => (moduleDirectory && file.startsWith(moduleDirectory) ? 0 : 2) + (file.startsWith('arch/') ? 0 : 1);
	return files.filter(file => ownArch(file)).sort((a, b) => score(a) - score(b) || (a < b ? -1 : a > b ? 1 : 0));
}

/**
Whether a directory's Makefile builds `file` in this configuration, as far as one line tells:
`obj-$(CONFIG_FOO) += stem.o` or `name-$(CONFIG_FOO) += stem.o`. Undefined when no line names it.
*/
export function builtByConfig(makefile: string, file: string, config: ReadonlyMap<string, string>): boolean | undefined {
	const stem = path.posix.basename(file).replace(/\.[cS]$/, '');
	const text = makefile.replaceAll(/\\\n/g, ' ');
	let seen: boolean | undefined;
	for (const line of text.split('\n')) {
		const match = /^\s*[\w-]*-(y|m|\$\((CONFIG_\w+)\))\s*[:+]?=(.*)$/.exec(line);
		if (!match || !new RegExp(`(^|\\s)${stem.replaceAll(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.o(\\s|$)`).test(match[3]!)) {
			continue;
		}

		const enabled = match[2] === undefined || ['y', 'm'].includes(config.get(match[2]) ?? 'n');
		seen = (seen ?? false) || enabled;
	}

	return seen;
}
