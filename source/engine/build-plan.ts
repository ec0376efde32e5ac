import type {Explanation} from '../typediff/explanation.js';
import {exportCrcText, type Kernel} from '../kernel/kernel.js';
import {modinfoValue, type ModuleInfo} from '../module/module-info.js';
import {buildCheckReport, kernelSummaries, type CheckReport} from './check-report.js';
import {abiGroupsOf, abiValue, importedNames} from '../verdict/abi-groups.js';
import type {CheckPolicy, Outcome} from '../verdict/check-module.js';

export const planSchema = 'kmodx.plan/1';

type PlannedModule = {path: string; name: string; vermagic: string | null};

/**
The `kmodx.plan/1` document: the fewest builds that cover the given kernels, of one module or of
modules built together (a directory, a DKMS package): they resolve each other's exports, so only
what they import from the kernel decides.
*/
export type PlanReport = {
	schema: typeof planSchema;
	/** The module, when the plan is for one; null for several (see `modules`). */
	module: PlannedModule | null;
	/** Every module of the plan, in the order given. */
	modules: PlannedModule[];
	kernels: CheckReport['kernels'];
	/** True when one binary can load on every kernel: one ABI group, nothing missing, nothing undecided. */
	one_binary: boolean;
	/** The answer in one sentence (or a few). */
	verdict: string;
	/** One per ABI group, in the order of the kernels given. */
	builds: Array<{
		kernels: string[];
		/** The kernel to build against: the one the modules were built for, else one they load on, else one that lists every export, else the first. */
		build_against: string;
		/** The modules as they are load on every kernel of the group: no build needed. */
		current_binary: boolean;
		/** Imports these kernels do not export (and no module of the plan does): a build against them needs source changes. */
		missing: string[];
		/** Per kernel of the group that lists only vmlinux's exports: the imports it cannot tell. */
		undecided: Array<{kernel: string; symbols: string[]}>;
	}>;
	/** Imports whose CRC (or presence) differs between kernels that know it; module_layout first. */
	splitting_symbols: Array<{
		name: string;
		/** CRC per kernel label; null: not exported by that kernel; "none": exported without CRC; "undecided": the kernel cannot tell. */
		crcs: Record<string, string | null>;
		/** `--explain`: why the CRC differs between the first two builds that disagree. */
		explanation?: Explanation;
		explanation_unavailable?: string;
	}>;
	/** Imports with the same CRC on every kernel. */
	identical_symbols: Array<{name: string; crc: string | null}>;
	/** Imports the same wherever known, but that some kernels cannot tell: not claimed identical. */
	undecided_symbols: Array<{name: string; crc: string | null; undecided_on: string[]}>;
	summary: {modules: number; kernels: number; builds: number; imports: number; splitting: number; identical: number; undecided: number};
};

const undecidedCrc = 'undecided';

/** A splitting symbol's CRC on one kernel: null where it is not exported, `undecided` where the kernel cannot tell. */
const planCrc = (kernel: Kernel, name: string): string | null => {
	const found = kernel.exports.get(name);
	if (!found) {
		return kernel.modulesIncluded ? null : undecidedCrc;
	}

	return exportCrcText(found);
};

/** The names the modules take from the kernel: every import, in order, but those another module of the plan exports. */
export function kernelImports(modules: ModuleInfo[]): string[] {
	const own = new Set(modules.flatMap(module => module.exports.map(entry => entry.name)));
	return [...new Set(modules.flatMap(module => importedNames(module)))].filter(name => !own.has(name));
}

/**
What a plan needs of its modules, gathered from them in memory (buildPlan) or one at a time as
a scan reads them (scan-plan.ts): thousands of modules need not fit in memory together.
*/
export type PlanInputs = {
	modules: PlannedModule[];
	/** The imports no module of the plan exports (kernelImports). */
	names: string[];
	/** Per kernel label: whether every module loads there, checked together (resolving each other). */
	loadsAll: (label: string) => boolean;
	/** The release of the first module's vermagic. */
	release: string | undefined;
};

export function plannedModule(module: ModuleInfo): PlannedModule {
	return {path: module.path, name: module.name, vermagic: modinfoValue(module, 'vermagic') ?? null};
}

export function buildPlan(modules: ModuleInfo[], kernels: Kernel[], policy: CheckPolicy): PlanReport {
	// Verdicts as `check` gives them for the same modules: together, resolving each other.
	const report = buildCheckReport(modules, kernels, policy);
	const outcome = (label: string): Outcome[] => report.modules.map(module => module.results.find(result => result.kernel === label)!.verdict);
	return planFrom({
		modules: modules.map(module => plannedModule(module)),
		names: kernelImports(modules),
		loadsAll: label => outcome(label).every(state => state === 'loads'),
		release: modinfoValue(modules[0]!, 'vermagic')?.split(' ')[0],
	}, kernels);
}

export function planFrom({modules: planned, names, loadsAll, release}: PlanInputs, kernels: Kernel[]): PlanReport {
	const byLabel = new Map(kernels.map(kernel => [kernel.label, kernel]));
	const builds = abiGroupsOf(names, kernels).map(labels => {
		const members = labels.map(label => byLabel.get(label)!);
		const complete = members.filter(kernel => kernel.modulesIncluded);
		const home = members.find(kernel => loadsAll(kernel.label) && (kernel.release === release || kernel.label === release))
			?? members.find(kernel => loadsAll(kernel.label))
			?? complete[0];
		return {
			kernels: labels,
			build_against: (home ?? members[0]!).label,
			current_binary: labels.every(label => loadsAll(label)),
			// Kernels of one group agree on every name they know: one that lists every export answers.
			missing: complete.length > 0 ? names.filter(name => abiValue(complete[0]!, name) === '-') : [],
			undecided: members.filter(kernel => !kernel.modulesIncluded)
				.map(kernel => ({kernel: kernel.label, symbols: names.filter(name => abiValue(kernel, name) === undefined)}))
				.filter(entry => entry.symbols.length > 0),
		};
	});

	const splitting: PlanReport['splitting_symbols'] = [];
	const identical: PlanReport['identical_symbols'] = [];
	const undecided: PlanReport['undecided_symbols'] = [];
	for (const name of names) {
		const crcs = Object.fromEntries(kernels.map(kernel => [kernel.label, planCrc(kernel, name)]));
		const known = new Set(Object.values(crcs).filter(value => value !== undecidedCrc));
		const unknownOn = kernels.filter(kernel => crcs[kernel.label] === undecidedCrc).map(kernel => kernel.label);
		if (known.size > 1) {
			splitting.push({name, crcs});
		} else if (unknownOn.length > 0) {
			if (!known.has(null)) {
				undecided.push({name, crc: [...known][0] ?? null, undecided_on: unknownOn});
			}
		} else if (!known.has(null)) {
			identical.push({name, crc: [...known][0] ?? null});
		}
	}

	// module_layout first: when it differs, nothing else matters to the kernel.
	splitting.sort((a, b) => Number(b.name === 'module_layout') - Number(a.name === 'module_layout') || a.name.localeCompare(b.name));
	identical.sort((a, b) => a.name.localeCompare(b.name));
	undecided.sort((a, b) => a.name.localeCompare(b.name));
	const missingAnywhere = builds.some(build => build.missing.length > 0);
	const undecidedAnywhere = builds.some(build => build.undecided.length > 0);
	const oneBinary = builds.length === 1 && !missingAnywhere && !undecidedAnywhere;
	return {
		schema: planSchema,
		module: planned.length === 1 ? planned[0]! : null,
		modules: planned,
		kernels: kernelSummaries(kernels),
		one_binary: oneBinary,
		verdict: verdictSentence(builds, splitting, kernels, planned.length, oneBinary),
		builds,
		splitting_symbols: splitting,
		identical_symbols: identical,
		undecided_symbols: undecided,
		summary: {modules: planned.length, kernels: kernels.length, builds: builds.length, imports: names.length, splitting: splitting.length, identical: identical.length, undecided: undecided.length},
	};
}

/** Exit status of `plan`: 0 one binary serves every kernel, 1 it cannot for certain, 3 nothing says it cannot but some import is undecided. */
export function planStatus(plan: PlanReport): number {
	if (plan.one_binary) {
		return 0;
	}

	return plan.builds.length > 1 || plan.builds.some(build => build.missing.length > 0) ? 1 : 3;
}

export function kernelsWord(count: number): string {
	return count === 1 ? 'the kernel' : (count === 2 ? 'both kernels' : `all ${count} kernels`);
}

function verdictSentence(builds: PlanReport['builds'], splitting: PlanReport['splitting_symbols'], kernels: Kernel[], modules: number, oneBinary: boolean): string {
	const all = kernelsWord(kernels.length);
	const asIs = modules === 1 ? 'the module as it is loads' : 'the modules as they are load';
	if (oneBinary) {
		const build = builds[0]!;
		return build.current_binary
			? `One binary serves ${all}: ${asIs} on every one.`
			: `One binary serves ${all}: build it once, against ${build.build_against}.`;
	}

	const parts: string[] = [];
	const unversioned = kernels.filter(kernel => kernel.modversions === false);
	if (builds.length > 1 && unversioned.length > 0) {
		const which = unversioned.length === kernels.length ? 'they have' : `${unversioned.map(kernel => kernel.label).join(', ')} ${unversioned.length === 1 ? 'has' : 'have'}`;
		parts.push(`One binary cannot load on ${all}: ${which} no symbol versions (CONFIG_MODVERSIONS off), so a module loads only on the exact release it was built for (same_magic() compares the whole vermagic). ${builds.length} builds are needed, one per ABI group.`);
	} else if (builds.length > 1) {
		const first = splitting[0]!;
		const more = splitting.length - 1;
		parts.push(`One binary cannot load on ${all}: they disagree on ${first.name}${more > 0 ? ` and ${more} more symbol${more === 1 ? '' : 's'}` : ''}. ${builds.length} builds are needed, one per ABI group.`);
	}

	for (const build of builds.filter(build => build.missing.length > 0)) {
		parts.push(`${build.kernels.join(', ')} ${build.kernels.length === 1 ? 'does' : 'do'} not export ${build.missing.join(', ')}: no build against ${build.kernels.length === 1 ? 'it' : 'them'} works without source changes.`);
	}

	const unsure = builds.flatMap(build => build.undecided);
	if (unsure.length > 0) {
		if (builds.length === 1 && parts.length === 0) {
			parts.push(`One build, against ${builds[0]!.build_against}, serves ${all} as far as they tell.`);
		}

		for (const {kernel, symbols} of unsure) {
			const release = kernels.find(candidate => candidate.label === kernel)?.release ?? '<release>';
			parts.push(`On ${kernel}, ${symbols.length} import${symbols.length === 1 ? ' is' : 's are'} undecided: it lists only vmlinux's exports (give its Module.symvers, headers directory or /lib/modules/${release}).`);
		}
	}

	return parts.join(' ');
}
