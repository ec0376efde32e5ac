import type {Kernel} from '../kernel/kernel.js';
import type {ModuleInfo} from '../module/module-info.js';

/** Every symbol the module needs from the kernel: `__versions` order (module_layout included), then unversioned imports. */
export function importedNames(module: ModuleInfo): string[] {
	return [...new Set([...module.versions.map(v => v.name), ...module.imports.map(i => i.name)])];
}

/**
Kernels that agree on every CRC the module uses (module_layout included) form one ABI
group: a single build of the module serves all of them. Order follows the kernels given.
*/
export function abiGroups(module: ModuleInfo, kernels: Kernel[]): string[][] {
	const names = importedNames(module);
	const groups = new Map<string, string[]>();
	for (const kernel of kernels) {
		const key = names.map(name => {
			const found = kernel.exports.get(name);
			return found ? (found.crc ?? 'any') : '-';
		}).join(',');
		const group = groups.get(key);
		if (group) {
			group.push(kernel.label);
		} else {
			groups.set(key, [kernel.label]);
		}
	}

	return [...groups.values()];
}
