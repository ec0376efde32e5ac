import {execFileSync} from 'node:child_process';
import {writeFileSync} from 'node:fs';
import path from 'node:path';
import {findExecutable} from '../../source/common/find-executable.js';
import {temporaryDirectory, type Owner} from './derive.js';

/*
An independent reference for verdicts on kernels without modversions (Linux 7.x): the module's
facts come from kmod's `modinfo` and binutils' `nm`, the kernel's exports from Module.symvers
split by hand, and the rules are those of the kernel's own code (Debian 7.2.13 and 7.3.4
kernel/module/main.c): same_magic() is strcmp() without CONFIG_MODVERSIONS, GPL-only exports are
invisible to a proprietary module, a namespace must be imported unless it is a `module:` list
naming the module (verify_module_namespace()). Nothing of kmodx's readers is used.
*/

const tools = ['modinfo', 'nm', 'xz'] as const;
// modinfo lives in /sbin on Debian; a non-login shell may not have it on PATH.
const searchPath = `${process.env['PATH'] ?? ''}:/sbin:/usr/sbin`;
const tool = (name: string) => findExecutable(name, searchPath);

/** Why the reference cannot run here, or undefined when kmod, binutils and xz are installed. */
export function referenceMissing(): string | undefined {
	const missing = tools.filter(name => !tool(name));
	return missing.length === 0 ? undefined : `skipped: ${missing.join(', ')} not installed (the independent reference needs kmod, binutils and xz)`;
}

function run(name: string, args: string[]): string {
	return execFileSync(tool(name)!, args, {encoding: 'utf8', maxBuffer: 64 * 1024 * 1024});
}

/** A module file as the tools read it: `.ko.xz` decompressed into the test's directory. */
export function plainModule(owner: Owner, file: string, data?: Uint8Array): string {
	const directory = temporaryDirectory(owner, 'reference');
	const target = path.join(directory, path.basename(file).replace(/\.xz$/, ''));
	writeFileSync(target, data ?? execFileSync(tool('xz')!, ['-dc', file], {maxBuffer: 64 * 1024 * 1024}));
	return target;
}

type SymversEntry = {type: string; namespace: string; module: string};

/** Module.symvers as plain text: name → export type, namespace, exporter (first line wins, as modpost). */
export function symversEntries(text: string): Map<string, SymversEntry> {
	const entries = new Map<string, SymversEntry>();
	for (const line of text.split('\n')) {
		const [, name, module, type, namespace] = line.split('\t');
		if (name && !entries.has(name)) {
			entries.set(name, {type: type ?? 'EXPORT_SYMBOL', namespace: namespace ?? '', module: module ?? ''});
		}
	}

	return entries;
}

const gplCompatible = new Set(['GPL', 'GPL v2', 'GPL and additional rights', 'Dual BSD/GPL', 'Dual MIT/GPL', 'Dual MPL/GPL']);

function moduleNamespaceAllows(namespace: string, name: string): boolean {
	if (!namespace.startsWith('module:')) {
		return false;
	}

	const normal = (text: string) => text.replaceAll('-', '_');
	return namespace.slice('module:'.length).split(',').some(pattern => (pattern.endsWith('*') ? normal(name).startsWith(normal(pattern.slice(0, -1))) : normal(name) === normal(pattern)));
}

export type ReferenceVerdict = {vermagicOk: boolean; problems: string[]; unlisted: string[]};

/**
What a kernel without modversions decides for `file` (plain ELF): `problems` as `kind symbol`
(`vermagic` alone for a vermagic mismatch), sorted; `unlisted`: imports `exports` does not have
(missing when it lists every export, undecided when it lists only vmlinux's).
*/
export function referenceVerdict(file: string, exports: Map<string, SymversEntry>, kernelVermagic: string): ReferenceVerdict {
	const field = (name: string) => run('modinfo', ['-F', name, file]).split('\n').filter(line => line !== '');
	const license = field('license')[0] ?? '';
	const name = field('name')[0] ?? path.basename(file).replace(/\.ko$/, '').replaceAll('-', '_');
	const imported = new Set(field('import_ns'));
	const vermagicOk = field('vermagic')[0]?.trimEnd() === kernelVermagic.trimEnd();
	const problems: string[] = vermagicOk ? [] : ['vermagic'];
	const unlisted: string[] = [];
	for (const line of run('nm', ['-u', file]).split('\n')) {
		const [kind, symbol] = line.trim().split(/\s+/);
		if (!symbol) {
			continue;
		}

		const entry = exports.get(symbol);
		if (!entry) {
			if (kind !== 'w') {
				unlisted.push(symbol);
			}
		} else if (entry.type === 'EXPORT_SYMBOL_GPL' && !gplCompatible.has(license)) {
			problems.push(`gpl_only ${symbol}`);
		} else if (entry.namespace !== '' && !moduleNamespaceAllows(entry.namespace, name) && !imported.has(entry.namespace)) {
			problems.push(`namespace ${symbol}`);
		}
	}

	return {vermagicOk, problems: problems.sort(), unlisted: unlisted.sort()};
}

/** The vermagic a kernel build expects, as modinfo reads it from one of that build's own modules. */
export function buildVermagic(moduleOfTheBuild: string): string {
	return run('modinfo', ['-F', 'vermagic', moduleOfTheBuild]).trim();
}
