import {guarded} from '../common/input-error.js';
import type {Kernel, KernelExport} from '../kernel/kernel.js';
import type {ModuleInfo} from '../module/module-info.js';
import {moduleReport, modulePeerExports} from '../engine/check-report.js';
import {checkModule, moduleFacts, type CheckPolicy, type PeerExport} from '../verdict/check-module.js';
import type {ModuleReport} from '../engine/check-report.js';
import {digestReport, type DigestOptions, type ModuleDigest} from './digest.js';
import type {ImportResolver} from '../verdict/import-resolver.js';
import {parseReusedModuleBytes, readModuleSparse} from '../module/read-module-sparse.js';

/** One module read and checked, as a worker hands it back. */
export type ProcessedModule = {
	index: number;
	/** Undefined while the module is pending. */
	digest: ModuleDigest | undefined;
	exports: PeerExport[];
	/**
	The module itself, kept only when some kernel lacks one of its imports: another module of the
	run may export it, which is known once every module is read. Everything else is dropped here.
	*/
	pending: ModuleInfo | undefined;
};

/** What every module of one scan (or of one worker's share of it) is checked with. */
export type ScanContext = {
	kernels: Kernel[];
	resolver: ImportResolver;
	policy: CheckPolicy;
	/** More than one module: one may export what another imports. */
	peersPossible: boolean;
	digest: DigestOptions;
	/** Shown every module as it is read (in this thread only): what a plan gathers of each. */
	inspect?: (module: ModuleInfo) => void;
};

/** Module `index` of the scan, from `file`, or from its bytes when they were read already (prefetch.ts). */
export async function processModule(index: number, file: string, {kernels, resolver, policy, peersPossible, digest, inspect}: ScanContext, data?: Uint8Array): Promise<ProcessedModule> {
	const module = await guarded(file, async () => (data ? parseReusedModuleBytes(data, file) : readModuleSparse(file)));
	inspect?.(module);
	let report: ModuleReport | undefined;
	let unresolved: boolean;
	if (digest.mode === 'row') {
		const checked = verdictsOnly(module, kernels, policy, resolver, digest.firstFailureOnly ?? false);
		report = checked.report;
		// Peers (other modules' exports) only matter to a check that got to the symbols: those asked for their exports.
		unresolved = peersPossible && checked.exportsAsked.some(found => found?.includes(undefined));
	} else {
		unresolved = peersPossible && resolver.lacksAny(module);
		report = unresolved ? undefined : moduleReport(module, kernels, policy, undefined, undefined, resolver);
	}

	return {
		index,
		digest: unresolved ? undefined : digestReport(report!, digest),
		exports: peersPossible ? modulePeerExports(module) : [],
		pending: unresolved ? module : undefined,
	};
}

/** A matrix row needs the verdicts only: no import list, no ABI groups (a sixth of the work). */
function verdictsOnly(module: ModuleInfo, kernels: Kernel[], policy: CheckPolicy, resolver: ImportResolver, firstFailureOnly: boolean): {report: ModuleReport; exportsAsked: Array<Array<KernelExport | undefined> | undefined>} {
	const exportsAsked: Array<Array<KernelExport | undefined> | undefined> = kernels.map(() => undefined);
	const facts = moduleFacts(module);
	const results = kernels.map((kernel, table) => checkModule(module, kernel, policy, {
		resolved: () => (exportsAsked[table] = resolver.exportsIn(module, table)),
		brief: true,
		firstFailureOnly,
		facts,
	}));
	return {report: {path: module.path, name: module.name, vermagic: null, license: null, intree: false, signer: null, has_versions: module.hasVersions, imports: [], results, groups: []}, exportsAsked};
}
