import {statSync} from 'node:fs';
import path from 'node:path';
import {InputError} from '../common/input-error.js';
import {findModules, type FindOptions} from '../module/find-modules.js';
import {moduleNameFromPath} from '../module/read-module.js';

/*
`kmodx hook`: what it checks when a kernel is installed (the out-of-tree modules of the running
kernel, or the new kernel's own module of the same name); views/format-hook.ts words it.
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
