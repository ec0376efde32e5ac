import {statSync} from 'node:fs';
import path from 'node:path';
import {InputError} from '../common/input-error.js';
import {terminalSafe, terminalSafeDeep} from '../common/terminal-text.js';
import {findModules, type FindOptions} from '../module/find-modules.js';
import {moduleNameFromPath} from '../module/read-module.js';
import type {CheckReport} from '../report/check-report.js';

/*
`kmodx hook`: what it checks when a kernel is installed (the out-of-tree modules of the running
kernel, or the new kernel's own module of the same name), and the lines it prints.
*/

/** Where distributions put modules that are not the kernel's own: DKMS (`updates/dkms`), vendors, RHEL's weak-updates. */
export const outOfTreeDirectories = ['updates', 'extra', 'weak-updates'] as const;

/** A kernel's modules directory under `root`: lib/modules/REL, or usr/lib/modules/REL (merged /usr). */
export function modulesDirectory(root: string, release: string): string | undefined {
	return [path.join(root, 'lib', 'modules', release), path.join(root, 'usr', 'lib', 'modules', release)].find(directory => isDirectory(directory));
}

function isDirectory(file: string): boolean {
	try {
		return statSync(file).isDirectory();
	} catch {
		return false;
	}
}

/** The modules under a kernel's out-of-tree directories, by module name (the first found wins, as depmod orders them). */
function outOfTreeModules(directory: string | undefined, scan: FindOptions): Map<string, string> {
	const modules = new Map<string, string>();
	for (const name of outOfTreeDirectories) {
		const subdirectory = directory && path.join(directory, name);
		if (!subdirectory || !isDirectory(subdirectory)) {
			continue;
		}

		let files: string[] = [];
		try {
			files = findModules([subdirectory], scan);
		} catch (error) {
			// An empty updates/ is no module, not an error.
			if (!(error instanceof InputError)) {
				throw error;
			}
		}

		for (const file of files) {
			const module = moduleNameFromPath(file).replaceAll('-', '_');
			if (!modules.has(module)) {
				modules.set(module, file);
			}
		}
	}

	return modules;
}

export type HookPlan = {
	running: string;
	release: string;
	/** Each out-of-tree module of the running kernel, and the file that would load on the new one. */
	modules: Array<{name: string; running: string; candidate: string; installedForNew: boolean}>;
};

/**
What the hook checks: every out-of-tree module of the running kernel. When the new kernel has its
own module of that name (DKMS built one for it before this hook ran), that file is what will load,
and it is checked; otherwise the running kernel's file, as `weak-modules` would reuse it.
*/
export function hookPlan(root: string, running: string, release: string, scan: FindOptions = {}): HookPlan {
	const current = outOfTreeModules(modulesDirectory(root, running), scan);
	const next = outOfTreeModules(modulesDirectory(root, release), scan);
	return {
		running,
		release,
		modules: [...current].map(([name, file]) => ({name, running: file, candidate: next.get(name) ?? file, installedForNew: next.has(name)})),
	};
}

/** The modules that will not load (or are undecided), each with its reason and what to run; empty when all load. */
export function formatHook(untrusted: CheckReport, plan: HookPlan): string {
	const report = terminalSafeDeep(untrusted);
	const release = terminalSafe(plan.release);
	// The report keeps the plan's order: module i is plan.modules[i].
	const failing = report.modules.map((module, index) => ({module, entry: plan.modules[index]!})).filter(({module}) => module.results[0]!.verdict !== 'loads');
	if (failing.length === 0) {
		return '';
	}

	const total = report.modules.length;
	const undecided = failing.some(({module}) => module.results[0]!.verdict === 'undecided');
	const lines = [`kmodx: ${failing.length} of ${total} out-of-tree module${total === 1 ? '' : 's'} of ${terminalSafe(plan.running)} will not load on ${release}${undecided ? ' (or are undecided)' : ''}:`];
	for (const {module, entry} of failing) {
		const result = module.results[0]!;
		const where = entry.installedForNew ? `installed for ${release}` : `built for ${terminalSafe(plan.running)}, none installed for ${release}`;
		lines.push(`  ${result.verdict === 'undecided' ? '?' : '✗'} ${module.name} (${where}: ${module.path})`);
		// The first lines say why; a module with many unknown symbols would bury the advice.
		const shown = result.dmesg.slice(0, 3);
		for (const line of shown) {
			lines.push(`      dmesg: ${line}`);
		}

		if (result.dmesg.length > shown.length) {
			lines.push(`      dmesg: … ${result.dmesg.length - shown.length} more lines (kmodx check shows them all)`);
		}

		for (const advice of result.advice ?? []) {
			lines.push(`      → ${advice.text}${advice.command ? `:  ${advice.command}` : ''}`);
		}
	}

	return lines.join('\n') + '\n';
}
