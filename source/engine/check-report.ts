import type {StablelistUsage} from '../kabi/stablelist-usage.js';
import {formatCrc} from '../common/hex.js';
import type {Kernel} from '../kernel/kernel.js';
import {modinfoValue, type ModuleInfo} from '../module/module-info.js';
import {abiGroups} from '../verdict/abi-groups.js';
import {checkModule, moduleFacts, type CheckPolicy, type KernelVerdict, type Outcome, type PeerExport} from '../verdict/check-module.js';
import {checkWithPeers} from '../verdict/settle-peers.js';
import {ImportResolver} from '../verdict/import-resolver.js';
import {adviceFor} from '../verdict/advice.js';
import {noteRustSymbols} from '../verdict/rust-imports.js';
import {isRustSymbol, rustSymbolKey} from '../common/rust-symbol.js';

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
		/** CONFIG_MODVERSIONS: false when the kernel checks no CRCs (each release its own ABI), null when the input does not tell. */
		modversions: boolean | null;
		exports: number;
		modules_included: boolean;
		/** An installed kernel: the modules whose exports count (null for other kinds). */
		modules: number | null;
	}>;
	modules: ModuleReport[];
	summary: CheckSummary;
};

/** `failures`: module × kernel verdicts that fail; `undecided`: those that neither load nor fail for certain. */
export type CheckSummary = {modules: number; kernels: number; failures: number; undecided: number; loads_everywhere: boolean};

export function checkSummary(modules: number, kernels: number, failures: number, undecided: number): CheckSummary {
	return {modules, kernels, failures, undecided, loads_everywhere: failures === 0 && undecided === 0};
}

export type ModuleReport = {
	path: string;
	name: string;
	vermagic: string | null;
	license: string | null;
	intree: boolean;
	signer: string | null;
	/** True when the module has `__versions` (built with CONFIG_MODVERSIONS). */
	has_versions: boolean;
	/** `__versions` entries in file order (what `modprobe --dump-modversions` lists), then unversioned imports; `demangled` for a Rust symbol. */
	imports: Array<{name: string; crc: string | null; demangled?: string}>;
	results: KernelVerdict[];
	groups: string[][];
	/** With --rules and a stablelist: what `ksc` reports (imports not on the list). */
	stablelist?: StablelistUsage;
};

export function buildCheckReport(modules: ModuleInfo[], kernels: Kernel[], policy: CheckPolicy): CheckReport {
	// A module whose import some kernel lacks waits: another module of the run may export it.
	const resolver = new ImportResolver(kernels.map(kernel => kernel.exports));
	const needsPeers = (module: ModuleInfo) => resolver.lacksAny(module);
	const reports: ModuleReport[] = modules.map(module => (modules.length > 1 && needsPeers(module) ? undefined : moduleReport(module, kernels, policy))) as ModuleReport[];
	const pending = modules.filter((_, index) => !reports[index]);
	if (pending.length > 0) {
		const settled = checkWithPeers(pending, kernels, policy, modules.map(module => modulePeerExports(module)), (path, kernel) => {
			const index = modules.findIndex(module => module.path === path);
			return reports[index]?.results.find(result => result.kernel === kernel)?.verdict ?? 'fails';
		});
		for (const [index, module] of modules.entries()) {
			reports[index] ??= moduleReport(module, kernels, policy, undefined, settled.verdicts(module));
		}
	}

	const count = (outcome: Outcome) => reports.reduce((sum, module) => sum + module.results.filter(result => result.verdict === outcome).length, 0);
	return {
		schema: checkSchema,
		policy: {missing_version: policy.missingVersion},
		kernels: kernelSummaries(kernels),
		modules: reports,
		summary: checkSummary(modules.length, kernels.length, count('fails'), count('undecided')),
	};
}

export function kernelSummaries(kernels: Kernel[]): CheckReport['kernels'] {
	return kernels.map(kernel => ({
		label: kernel.label,
		source: kernel.source,
		kind: kernel.kind,
		release: kernel.release ?? null,
		vermagic: kernel.vermagic ?? null,
		modversions: kernel.modversions ?? null,
		exports: kernel.exports.size,
		modules_included: kernel.modulesIncluded,
		modules: kernel.modules?.counted ?? null,
	}));
}

/** Exports of the run's other modules, one map for every kernel or one per kernel. */
type Peers = Map<string, PeerExport> | ((kernel: Kernel) => Map<string, PeerExport> | undefined);

/**
`results`: the verdicts, when already known (one per kernel, in order). `resolver`: a scan's
memo of lookups over the same kernels, so that the checks and the ABI groups ask each kernel
for each name once in the whole run.
*/
export function moduleReport(module: ModuleInfo, kernels: Kernel[], policy: CheckPolicy, peers?: Peers, results?: KernelVerdict[], resolver?: ImportResolver): ModuleReport {
	const versioned = new Set(module.versions.map(v => v.name));
	const facts = results ? undefined : moduleFacts(module);
	const verdicts = results ?? kernels.map((kernel, index) => checkModule(module, kernel, policy, {
		peers: typeof peers === 'function' ? peers(kernel) : peers,
		resolved: resolver ? () => resolver.exportsIn(module, index) : undefined,
		facts,
	}));
	const context = {verdicts: verdicts.map((verdict, index) => ({kernel: kernels[index]!, verdict})), ...(policy.dkmsRoot ? {dkmsRoot: policy.dkmsRoot} : {})};
	return {
		path: module.path,
		name: module.name,
		vermagic: modinfoValue(module, 'vermagic') ?? null,
		license: modinfoValue(module, 'license') ?? null,
		intree: modinfoValue(module, 'intree') !== undefined,
		signer: module.signature?.signer ?? null,
		has_versions: module.hasVersions,
		imports: [
			...module.versions.map(({name, crc}) => withDemangled({name, crc: formatCrc(crc)})),
			...module.imports.filter(i => !versioned.has(i.name)).map(i => withDemangled({name: i.name, crc: null})),
		],
		results: verdicts.map((verdict, index) => noteRustSymbols(verdict, kernels[index]!)).map((verdict, index) => (verdict.verdict === 'loads' ? verdict : {...verdict, advice: adviceFor(module, kernels[index]!, verdict, context)})),
		groups: abiGroups(module, kernels, resolver ? (name, index) => resolver.exportOf(name, index) : undefined),
	};
}

function withDemangled(entry: {name: string; crc: string | null}): ModuleReport['imports'][number] {
	const demangled = isRustSymbol(entry.name) ? rustSymbolKey(entry.name) : undefined;
	return demangled === undefined ? entry : {...entry, demangled};
}

/** A module's exports as peers of the other modules in the run (later modules win a name, as in one Map). */
export function modulePeerExports(module: ModuleInfo): PeerExport[] {
	const license = modinfoValue(module, 'license');
	return module.exports.map(entry => ({name: entry.name, crc: entry.crc, exportType: entry.exportType, namespace: entry.namespace, module: module.path, moduleName: module.name, license}));
}
