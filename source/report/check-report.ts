import {formatCrc} from '../common/hex.js';
import type {Kernel} from '../kernel/kernel.js';
import {modinfoValue, type ModuleInfo} from '../module/module-info.js';
import {abiGroups} from '../verdict/abi-groups.js';
import {checkModule, type CheckPolicy, type KernelVerdict, type PeerExport} from '../verdict/check-module.js';

export const checkSchema = 'kmodx.check/1';

/** The `kmodx.check/1` document: the contract of `check --json`, and what every other output renders. */
export type CheckReport = {
	schema: typeof checkSchema;
	policy: {missing_version: CheckPolicy['missingVersion']};
	kernels: Array<{
		label: string;
		source: string;
		kind: Kernel['kind'];
		release: string | null;
		vermagic: string | null;
		exports: number;
		modules_included: boolean;
	}>;
	modules: ModuleReport[];
	summary: {modules: number; kernels: number; failures: number; loads_everywhere: boolean};
};

export type ModuleReport = {
	path: string;
	name: string;
	vermagic: string | null;
	license: string | null;
	intree: boolean;
	signer: string | null;
	/** `__versions` entries in file order (what `modprobe --dump-modversions` lists), then unversioned imports. */
	imports: Array<{name: string; crc: string | null}>;
	results: KernelVerdict[];
	groups: string[][];
};

export function buildCheckReport(modules: ModuleInfo[], kernels: Kernel[], policy: CheckPolicy): CheckReport {
	const peers = peerExports(modules);
	const reports = modules.map(module => moduleReport(module, kernels, policy, peers));
	const failures = reports.reduce((sum, module) => sum + module.results.filter(result => !result.loads).length, 0);
	return {
		schema: checkSchema,
		policy: {missing_version: policy.missingVersion},
		kernels: kernels.map(kernel => ({
			label: kernel.label,
			source: kernel.source,
			kind: kernel.kind,
			release: kernel.release ?? null,
			vermagic: kernel.vermagic ?? null,
			exports: kernel.exports.size,
			modules_included: kernel.modulesIncluded,
		})),
		modules: reports,
		summary: {modules: modules.length, kernels: kernels.length, failures, loads_everywhere: failures === 0},
	};
}

export function moduleReport(module: ModuleInfo, kernels: Kernel[], policy: CheckPolicy, peers?: Map<string, PeerExport>): ModuleReport {
	const versioned = new Set(module.versions.map(v => v.name));
	return {
		path: module.path,
		name: module.name,
		vermagic: modinfoValue(module, 'vermagic') ?? null,
		license: modinfoValue(module, 'license') ?? null,
		intree: modinfoValue(module, 'intree') !== undefined,
		signer: module.signature?.signer ?? null,
		imports: [
			...module.versions.map(({name, crc}) => ({name, crc: formatCrc(crc)})),
			...module.imports.filter(i => !versioned.has(i.name)).map(i => ({name: i.name, crc: null})),
		],
		results: kernels.map(kernel => checkModule(module, kernel, policy, peersFor(module, peers))),
		groups: abiGroups(module, kernels),
	};
}

/** Exports of the modules checked together resolve each other's imports (an out-of-tree stack). */
function peerExports(modules: ModuleInfo[]): Map<string, PeerExport> | undefined {
	if (modules.length < 2) {
		return undefined;
	}

	const peers = new Map<string, PeerExport>();
	for (const module of modules) {
		for (const entry of module.exports) {
			peers.set(entry.name, {...entry, module: module.path, moduleName: module.name, license: modinfoValue(module, 'license')});
		}
	}

	return peers;
}

function peersFor(module: ModuleInfo, peers: Map<string, PeerExport> | undefined): Map<string, PeerExport> | undefined {
	if (!peers) {
		return undefined;
	}

	// A module never resolves its own imports.
	const own = new Set(module.exports.map(entry => entry.name));
	return own.size === 0 ? peers : new Map([...peers].filter(([name]) => !own.has(name)));
}
