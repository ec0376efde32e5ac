import {guarded} from '../cli/load-inputs.js';
import type {Kernel} from '../kernel/kernel.js';
import type {ModuleInfo} from '../module/module-info.js';
import {moduleReport, modulePeerExports} from '../report/check-report.js';
import {checkModule, type CheckPolicy, type PeerExport} from '../verdict/check-module.js';
import type {ModuleReport} from '../report/check-report.js';
import {digestReport, type DigestOptions, type ModuleDigest} from './digest.js';
import type {ImportResolver, Resolution} from '../verdict/import-resolver.js';
import {readModuleSparse} from './read-module-sparse.js';

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

export async function processModule(index: number, file: string, kernels: Kernel[], resolver: ImportResolver, policy: CheckPolicy, peersPossible: boolean, digest: DigestOptions): Promise<ProcessedModule> {
	const module = await guarded(file, async () => readModuleSparse(file));
	const resolutions = resolver.resolve(module);
	const unresolved = peersPossible && resolutions.some(resolution => resolution.lacking);
	return {
		index,
		digest: unresolved ? undefined : digestReport(digest.mode === 'row' ? verdictsOnly(module, kernels, policy, resolutions) : moduleReport(module, kernels, policy), digest),
		exports: peersPossible ? modulePeerExports(module) : [],
		pending: unresolved ? module : undefined,
	};
}

/** A matrix row needs the verdicts only: no import list, no ABI groups (a sixth of the work). */
function verdictsOnly(module: ModuleInfo, kernels: Kernel[], policy: CheckPolicy, resolutions: Resolution[]): ModuleReport {
	const results = kernels.map((kernel, index) => checkModule(module, kernel, policy, {resolved: resolutions.map(resolution => resolution.exports[index]), brief: true}));
	return {path: module.path, name: module.name, vermagic: null, license: null, intree: false, signer: null, imports: [], results, groups: []};
}
