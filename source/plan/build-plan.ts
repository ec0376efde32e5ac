import {formatCrc} from '../common/hex.js';
import type {Explanation} from '../explain/explanation.js';
import type {Kernel} from '../kernel/kernel.js';
import {modinfoValue, type ModuleInfo} from '../module/module-info.js';
import {kernelSummaries, type CheckReport} from '../report/check-report.js';
import {abiGroups, importedNames} from '../verdict/abi-groups.js';
import {checkModule, type CheckPolicy} from '../verdict/check-module.js';

export const planSchema = 'kmodx.plan/1';

/** The `kmodx.plan/1` document: the fewest builds of one module that cover the given kernels. */
export type PlanReport = {
	schema: typeof planSchema;
	module: {path: string; name: string; vermagic: string | null};
	kernels: CheckReport['kernels'];
	/** True when one binary can load on every kernel (one ABI group, no symbol missing anywhere). */
	one_binary: boolean;
	/** The answer in one sentence. */
	verdict: string;
	/** One per ABI group, in the order of the kernels given. */
	builds: Array<{
		kernels: string[];
		/** The kernel to build against: the one the module was built for, else the first of the group. */
		build_against: string;
		/** The module as it is loads on every kernel of the group: no build needed. */
		current_binary: boolean;
		/** Imports these kernels do not export: a build against them needs source changes. */
		missing: string[];
	}>;
	/** Imports whose CRC (or presence) differs between kernels; module_layout first. */
	splitting_symbols: Array<{
		name: string;
		/** CRC per kernel label; null: not exported by that kernel; "none": exported without CRC. */
		crcs: Record<string, string | null>;
		/** `--explain`: why the CRC differs between the first two builds that disagree. */
		explanation?: Explanation;
		explanation_unavailable?: string;
	}>;
	/** Imports with the same CRC on every kernel. */
	identical_symbols: Array<{name: string; crc: string | null}>;
	summary: {kernels: number; builds: number; imports: number; splitting: number; identical: number};
};

const crcText = (kernel: Kernel, name: string): string | null => {
	const found = kernel.exports.get(name);
	if (!found) {
		return null;
	}

	return found.crc === undefined ? 'none' : formatCrc(found.crc);
};

export function buildPlan(module: ModuleInfo, kernels: Kernel[], policy: CheckPolicy): PlanReport {
	const names = importedNames(module);
	const loads = new Map(kernels.map(kernel => [kernel.label, checkModule(module, kernel, policy).loads]));
	const release = modinfoValue(module, 'vermagic')?.split(' ')[0];
	const builds = abiGroups(module, kernels).map(labels => {
		const members = labels.map(label => kernels.find(kernel => kernel.label === label)!);
		const current = labels.every(label => loads.get(label));
		const home = members.find(kernel => loads.get(kernel.label) && (kernel.release === release || kernel.label === release)) ?? members.find(kernel => loads.get(kernel.label));
		return {
			kernels: labels,
			build_against: (home ?? members[0]!).label,
			current_binary: current,
			missing: names.filter(name => !members[0]!.exports.get(name)),
		};
	});

	const splitting: PlanReport['splitting_symbols'] = [];
	const identical: PlanReport['identical_symbols'] = [];
	for (const name of names) {
		const crcs = Object.fromEntries(kernels.map(kernel => [kernel.label, crcText(kernel, name)]));
		const values = new Set(Object.values(crcs));
		if (values.size > 1) {
			splitting.push({name, crcs});
		} else if (!values.has(null)) {
			identical.push({name, crc: [...values][0] ?? null});
		}
	}

	// module_layout first: when it differs, nothing else matters to the kernel.
	splitting.sort((a, b) => Number(b.name === 'module_layout') - Number(a.name === 'module_layout') || a.name.localeCompare(b.name));
	identical.sort((a, b) => a.name.localeCompare(b.name));
	const missingAnywhere = builds.some(build => build.missing.length > 0);
	const oneBinary = builds.length === 1 && !missingAnywhere;
	return {
		schema: planSchema,
		module: {path: module.path, name: module.name, vermagic: modinfoValue(module, 'vermagic') ?? null},
		kernels: kernelSummaries(kernels),
		one_binary: oneBinary,
		verdict: verdictSentence(builds, splitting, kernels.length, oneBinary),
		builds,
		splitting_symbols: splitting,
		identical_symbols: identical,
		summary: {kernels: kernels.length, builds: builds.length, imports: names.length, splitting: splitting.length, identical: identical.length},
	};
}

function verdictSentence(builds: PlanReport['builds'], splitting: PlanReport['splitting_symbols'], kernels: number, oneBinary: boolean): string {
	const all = kernels === 1 ? 'the kernel' : `all ${kernels} kernels`;
	if (oneBinary) {
		const build = builds[0]!;
		return build.current_binary
			? `One binary serves ${all}: the module as it is loads on every one.`
			: `One binary serves ${all}: build it once, against ${build.build_against}.`;
	}

	const parts: string[] = [];
	if (builds.length > 1) {
		const first = splitting[0]!;
		const more = splitting.length - 1;
		parts.push(`One binary cannot load on ${all}: they disagree on ${first.name}${more > 0 ? ` and ${more} more symbol${more === 1 ? '' : 's'}` : ''}. ${builds.length} builds are needed, one per ABI group.`);
	}

	for (const build of builds.filter(build => build.missing.length > 0)) {
		parts.push(`${build.kernels.join(', ')} ${build.kernels.length === 1 ? 'does' : 'do'} not export ${build.missing.join(', ')}: no build against ${build.kernels.length === 1 ? 'it' : 'them'} works without source changes.`);
	}

	return parts.join(' ');
}
