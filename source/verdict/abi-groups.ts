import type {Kernel, KernelExport} from '../kernel/kernel.js';
import type {ModuleInfo} from '../module/module-info.js';

/** Every symbol the module needs from the kernel: `__versions` order (module_layout included), then unversioned imports. */
export function importedNames(module: ModuleInfo): string[] {
	return [...new Set([...module.versions.map(v => v.name), ...module.imports.map(i => i.name)])];
}

/**
What a kernel says about a name, as ABI groups compare it: its CRC (`any` for an export without
one), `-` when it does not export it, or undefined when it cannot tell: a kernel that lists only
vmlinux's exports (an image) does not know whether a module exports the name, nor with which CRC.
*/
export function abiValue(kernel: Kernel, name: string, found = kernel.exports.get(name)): number | string | undefined {
	if (found) {
		return found.crc ?? 'any';
	}

	// An installed kernel with unreadable modules cannot tell either: one of them may export it.
	return kernel.modulesIncluded && !kernel.modules?.unreadable?.length ? '-' : undefined;
}

/**
What a kernel checks before any symbol, as ABI groups compare it. Without modversions same_magic()
compares the whole vermagic, release included: each release is its own ABI, whatever the exports
say (a kernel whose release is not known groups with none). With modversions the CRCs decide.
*/
export function abiKernelKey(kernel: Kernel, index: number): string {
	if (kernel.modversions !== false) {
		return 'modversions';
	}

	return kernel.vermagic === undefined ? `release not known #${index}` : `vermagic ${kernel.vermagic}`;
}

/**
Kernels that agree on every CRC the module uses (module_layout included) form one ABI group: a
single build of the module serves all of them. Order follows the kernels given.
*/
export function abiGroups(module: ModuleInfo, kernels: Kernel[], exportOf?: ExportOf): string[][] {
	return abiGroupsOf(importedNames(module), kernels, exportOf);
}

/** What kernel number `kernel` exports under `name` (a scan's memo of lookups, import-resolver.ts). */
export type ExportOf = (name: string, kernel: number) => KernelExport | undefined;

/**
ABI groups over `names`. A kernel that cannot tell some names (it lists only vmlinux's exports)
never splits on them: it joins the first group it agrees with on every name both know, which is
all a build can be sure of; that its unknown names agree too is undecided (plan says so). Kernels
that know every name group exactly, first; the groups are then ordered by their first kernel.
*/
export function abiGroupsOf(names: string[], kernels: Kernel[], exportOf?: ExportOf): string[][] {
	type Group = {members: number[]; key: string; values: Array<number | string | undefined>};
	const groups: Group[] = [];
	const values = kernels.map((kernel, index) => names.map(name => abiValue(kernel, name, exportOf ? exportOf(name, index) : kernel.exports.get(name))));
	const keys = kernels.map((kernel, index) => abiKernelKey(kernel, index));
	const agrees = (group: Group, own: Array<number | string | undefined>, key: string) => group.key === key && own.every((value, index) => value === undefined || group.values[index] === undefined || group.values[index] === value);
	const complete = kernels.map((_, index) => index).filter(index => !values[index]!.includes(undefined));
	const partial = kernels.map((_, index) => index).filter(index => values[index]!.includes(undefined));
	for (const index of [...complete, ...partial]) {
		const own = values[index]!;
		const key = keys[index]!;
		const group = groups.find(candidate => agrees(candidate, own, key));
		if (group) {
			group.members.push(index);
			group.values = group.values.map((value, at) => value ?? own[at]);
		} else {
			groups.push({members: [index], key, values: own.slice()});
		}
	}

	return groups
		.map(group => group.members.sort((a, b) => a - b))
		.sort((a, b) => a[0]! - b[0]!)
		.map(members => members.map(index => kernels[index]!.label));
}
