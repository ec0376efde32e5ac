import {formatCrc} from '../common/hex.js';
import type {Explanation} from '../typediff/explanation.js';
import {isGplOnly, type Kernel, type KernelExport} from '../kernel/kernel.js';
import {machineName} from '../elf/elf-file.js';
import type {ModuleImport, ModuleInfo} from '../module/module-info.js';
import {isGplCompatible} from './license.js';
import {appendAll} from '../common/arrays.js';

/** Problems that stop the module from loading, as `kmodx.check/1` names them. */
export type ProblemKind = 'arch' | 'no_versions' | 'crc' | 'missing' | 'gpl_only' | 'namespace' | 'vermagic' | 'no_version' | 'proprietary_taint' | 'no_export_flags';

/**
What to do about one verdict (advice.ts), built only from what kmodx knows: the kernel's release
names its headers package, a DKMS-managed module its `dkms install` line. `command` is what to
run, when there is one; `text` says why.
*/
export type Advice = {kind: 'rebuild' | 'dkms' | 'not_enough' | 'source' | 'built_for' | 'decide'; text: string; command: string | null; symbols?: string[]};

/** Things the kernel logs that do not stop the load (taints), or that kmodx cannot decide. */
export type WarningKind = 'out_of_tree' | 'license_taint' | 'signature' | 'no_version' | 'forced' | 'unresolved' | 'vermagic_unknown' | 'retpoline';

export type Problem = {
	kind: ProblemKind;
	symbol: string | null;
	module_crc: string | null;
	kernel_crc: string | null;
	/** `vmlinux`, a module path from Module.symvers, or a module given in the same run. */
	exporter: string | null;
	/** The exact kernel log lines this problem produces on its own. */
	log: string[];
	message: string;
	/** A Rust symbol: its demangled name (source/verdict/rust-imports.ts). */
	demangled?: string;
	/** A missing Rust import: the kernel's export of the same function under another crate hash (another build). */
	rehashed_as?: string;
	/** `check --explain`: why the CRC changed, from the module's build kernel to this one. */
	explanation?: Explanation;
	explanation_unavailable?: string;
	/** A CRC problem whose why was not computed (no --explain; not opened in the explorer): what would explain it. */
	not_explained?: string;
	/** A `namespace` problem: the namespace the exporter put the symbol in. */
	namespace?: string;
};

export type Warning = {
	kind: WarningKind;
	symbol: string | null;
	/** A Rust symbol: its demangled name (source/verdict/rust-imports.ts). */
	demangled?: string;
	log: string[];
	message: string;
};

export type Stage = 'arch' | 'module_layout' | 'vermagic' | 'exports' | 'symbols';

/**
The outcome of one load: `loads` only when every check the kernel makes was made and passed;
`fails` when one fails; `undecided` when none fails but an import could not be decided (the
kernel source does not list its modules' exports, or only a module whose own verdict is
undecided exports it): the `unresolved` warnings say which, why, and what to give instead.
*/
export type Outcome = 'loads' | 'fails' | 'undecided';

/** The kinds of problem a check can stop at before it looks at the module's symbols (stages arch, module_layout, vermagic). */
export const earlyStopKinds: readonly ProblemKind[] = ['arch', 'no_versions', 'crc', 'no_version', 'vermagic', 'no_export_flags'];

export type KernelVerdict = {
	kernel: string;
	/** True only when every check was made and passed (`verdict` is `loads`). */
	loads: boolean;
	verdict: Outcome;
	/** The check the kernel stops at; null when it loads. */
	stops_at: Stage | null;
	/** What dmesg shows: the kernel stops at the first fatal check, this is that problem. */
	first_failure: Problem | null;
	/** Every problem, also those hidden behind the first failure, in the kernel's order. */
	problems: Problem[];
	warnings: Warning[];
	/** The kernel log of one load attempt, in order. */
	dmesg: string[];
	/** What to do about it (advice.ts), in full reports; none where it loads. */
	advice?: Advice[];
};

export type CheckPolicy = {
	/**
	A symbol the module uses without a CRC in `__versions`: upstream warns once and accepts it;
	Debian patches `check_version()` to refuse. kmodx assumes the stricter Debian rule by
	default, so a module it passes loads on both.
	*/
	missingVersion: 'fatal' | 'warn';
	/** Where DKMS keeps its sources, for advice (default /var/lib/dkms; `kmodx hook --root` moves it). */
	dkmsRoot?: string;
};

export const defaultPolicy: CheckPolicy = {missingVersion: 'fatal'};

/** An export of another module given in the same run: resolves what the kernel lacks, like an insmod'ed dependency. */
export type PeerExport = KernelExport & {license: string | undefined; moduleName: string};

export type CheckOptions = {
	/** Exports of other modules given in the same run (that load on this kernel). */
	peers?: Map<string, PeerExport> | undefined;
	/** Exports of modules of the run whose own verdict on this kernel is undecided: what they resolve is undecided too. */
	undecidedPeers?: Map<string, PeerExport> | undefined;
	/**
	What `kernel.exports` holds for each of `module.imports`, in order, asked only when the check
	gets to the symbols: a scan of thousands of modules looks each name up once per kernel
	(ImportResolver), and not at all in a kernel where the check stops before.
	*/
	resolved?: () => ReadonlyArray<KernelExport | undefined>;
	/**
	The verdict without the words: problems keep kind, symbol and exporter, but no log lines,
	message or CRC strings (nor does `dmesg`). For the matrix, which shows kinds only: a scan of
	a distribution's modules finds 200,000 problems, and their text was a fifth of its time.
	*/
	brief?: boolean;
	/**
	Only what decides the first failure: like the kernel, stop once module_layout or vermagic
	fails, without looking for the problems behind it (nor for taints). For the matrix, whose cell
	shows the first failure, when the problem kinds counted for the exit status include every
	kind such a stop can have: two thirds of a distribution's modules × kernels stop there.
	*/
	firstFailureOnly?: boolean;
	/**
	What every kernel's check reads from the module (moduleFacts): a caller checking one module
	against several kernels derives them once and passes them to each check; without them each
	check derives its own.
	*/
	facts?: ModuleFacts;
};

const noLines: string[] = [];

/**
One load of `module` on `kernel`, checked in the order of the kernel's load_module(); the steps
are named after the kernel functions that make them.
*/
export function checkModule(module: ModuleInfo, kernel: Kernel, policy: CheckPolicy = defaultPolicy, options: CheckOptions = {}): KernelVerdict {
	// elf_validity_cache_copy(): a module for another architecture never gets further.
	if (kernel.machine !== undefined && module.machine !== kernel.machine) {
		const line = `Invalid architecture in ELF header: ${module.machine}`;
		const problem = problemOf('arch', null, [line], `module is for ${module.machineName}, the kernel for ${machineName(kernel.machine)}`);
		return {kernel: kernel.label, loads: false, verdict: 'fails', stops_at: 'arch', first_failure: problem, problems: [problem], warnings: [], dmesg: [line]};
	}

	const load = new LoadAttempt(module, kernel, policy, options);
	load.checkModstructVersion();
	if (options.firstFailureOnly && load.stage !== null) {
		return load.stopped();
	}

	load.checkModinfoVermagic();
	if (options.firstFailureOnly && load.stage !== null) {
		return load.stopped();
	}

	load.checkModinfoTaints();
	load.moduleSigCheck();
	load.checkExportSymbolSections();
	if (options.firstFailureOnly && load.stage !== null) {
		return load.stopped();
	}

	load.simplifySymbols();
	return load.verdict();
}

/** What one load attempt has found so far: problems (the first one stops the kernel), warnings, and the stage it stopped at. */
class LoadAttempt {
	readonly problems: Problem[] = [];
	readonly warnings: Warning[] = [];
	stage: Stage | null = null;
	/** Imports that could not be decided (see Outcome). */
	private undecided = 0;
	/** mod->using_gplonly_symbols: what inherit_taint() asks. */
	private usesGplOnly = false;
	private readonly facts: ModuleFacts;
	private readonly gplOk: boolean;

	constructor(private readonly module: ModuleInfo, private readonly kernel: Kernel, private readonly policy: CheckPolicy, private readonly options: CheckOptions) {
		this.facts = options.facts ?? moduleFacts(module);
		this.gplOk = isGplCompatible(this.facts.license);
	}

	/** check_modstruct_version(): module_layout before anything else. */
	checkModstructVersion(): void {
		// Without CONFIG_MODVERSIONS version.c is not built: the check is a stub that accepts.
		if (this.kernel.modversions === false) {
			return;
		}

		const {module, facts: {layoutCrc}} = this;
		const layout = this.kernel.exports.get('module_layout');
		if (!module.hasVersions) {
			if (this.kernel.config?.forceLoad) {
				this.warnings.push({kind: 'forced', symbol: 'module_layout', log: [`${module.name}: module_layout: kernel tainted.`], message: 'module has no __versions: the kernel (CONFIG_MODULE_FORCE_LOAD) loads it without checking any CRC and taints itself'});
			} else {
				this.fail(problemOf('no_versions', 'module_layout', [], 'module has no __versions section (built without CONFIG_MODVERSIONS): the kernel refuses it with -ENOEXEC ("Invalid module format") unless CONFIG_MODULE_FORCE_LOAD is set'), 'module_layout');
			}
		} else if (layout?.crc !== undefined) {
			if (layoutCrc === undefined) {
				this.versionMissing('module_layout', layout, 'module_layout');
			} else if (layoutCrc !== layout.crc) {
				this.failSymbol('module_layout', 'crc', 'module_layout', layout, layoutCrc);
			}
		}
	}

	/** check_modinfo()'s first check: the vermagic, by same_magic(). */
	checkModinfoVermagic(): void {
		const {module, kernel, facts: {modmagic}} = this;
		if (modmagic === undefined) {
			if (!kernel.config?.forceLoad) {
				this.fail(problemOf('vermagic', null, [], 'module has no vermagic: the kernel refuses it with -ENOEXEC unless CONFIG_MODULE_FORCE_LOAD is set'), 'vermagic');
			}

			return;
		}

		const same = sameMagic(modmagic, kernel, module.hasVersions && kernel.modversions !== false);
		if (same === undefined && kernel.modversions === false) {
			// Without modversions the release is the whole ABI check: not knowing it decides nothing.
			this.undecided++;
			this.warnings.push({kind: 'vermagic_unknown', symbol: null, log: [], message: 'vermagic not checked: this kernel has no symbol versions, so it loads only modules built for its exact release, and the input does not say which release it is (give its headers directory, image or installed tree)'});
		} else if (same === undefined) {
			this.warnings.push({kind: 'vermagic_unknown', symbol: null, log: [], message: 'vermagic not checked: the kernel source does not say what it expects (give its config, headers directory or image)'});
		} else if (!same) {
			this.fail(vermagicProblem(module.name, modmagic, kernel), 'vermagic');
		}
	}

	/** The rest of check_modinfo(): the taints it announces (out of tree, retpoline, license). */
	checkModinfoTaints(): void {
		const {name} = this.module;
		const {intree, retpoline, license} = this.facts;
		if (!intree) {
			this.warnings.push({kind: 'out_of_tree', symbol: null, log: [`${name}: loading out-of-tree module taints kernel.`], message: 'out-of-tree module: loading it taints the kernel (O)'});
		}

		if (this.kernel.config?.retpoline && !retpoline) {
			this.warnings.push({kind: 'retpoline', symbol: null, log: [`${name}: loading module not compiled with retpoline compiler.`], message: 'module built without retpoline while the kernel uses it'});
		}

		if (!this.gplOk) {
			this.warnings.push({kind: 'license_taint', symbol: null, log: [`${name}: module license '${license}' taints kernel.`], message: `license '${license}' is not GPL-compatible: the module is proprietary and cannot use EXPORT_SYMBOL_GPL symbols`});
		}
	}

	/** module_sig_check() on a kernel with CONFIG_MODULE_SIG: an unverifiable signature taints. */
	moduleSigCheck(): void {
		const {module, kernel} = this;
		if (!kernel.config?.moduleSig) {
			return;
		}

		// A per-build key (Debian, Fedora) only verifies on the kernel built with it; same release ⇒ same build.
		const moduleRelease = this.facts.modmagic?.split(' ')[0];
		const foreignKey = module.signature !== undefined && kernel.release !== undefined && moduleRelease !== kernel.release;
		if (!module.signature || foreignKey) {
			this.warnings.push({
				kind: 'signature',
				symbol: null,
				log: [`${module.name}: module verification failed: signature and/or required key missing - tainting kernel`],
				message: module.signature
					? `signed by '${module.signature.signer ?? '?'}', a key of another build: loads with a taint; with enforced signatures (MODULE_SIG_FORCE, Secure Boot lockdown) it is rejected ("Key was rejected by service")`
					: 'unsigned: loads with a taint; with enforced signatures (MODULE_SIG_FORCE, Secure Boot lockdown) it is rejected',
			});
		}
	}

	/**
	check_export_symbol_sections(): a kernel whose symbol tables carry `__kflagstab` (7.x) refuses
	a module that exports symbols without one (built for an older kernel).
	*/
	checkExportSymbolSections(): void {
		const {module, kernel} = this;
		if (kernel.exportFlags === true && module.exports.length > 0 && !module.exportFlags) {
			this.fail(problemOf('no_export_flags', null, [`${module.name}: no flags for exported symbols`], `the module exports ${module.exports.length} symbols without __kflagstab (built for a kernel before 7.x): this kernel refuses it with -ENOEXEC`), 'exports');
		}
	}

	/** simplify_symbols(): every undefined symbol, in symbol-table order; no early stop. */
	simplifySymbols(): void {
		const {module, kernel, options} = this;
		const resolved = options.resolved?.();
		for (let index = 0; index < module.imports.length; index++) {
			const symbol = module.imports[index]!;
			const found = this.findSymbol(symbol.name, resolved ? resolved[index] : kernel.exports.get(symbol.name));
			if (!found || (isGplOnly(found.exportType) && !this.gplOk)) {
				// Weak undefined symbols may stay unresolved.
				if (!(symbol.weak && !found)) {
					this.unknownSymbol(symbol, found);
				}
			} else {
				this.resolveSymbol(symbol, found);
			}
		}
	}

	/** find_symbol(): the kernel's exports, then those of the run's other modules (a module never resolves its own imports). */
	private findSymbol(name: string, inKernel: KernelExport | undefined): KernelExport | PeerExport | undefined {
		if (inKernel || !this.options.peers) {
			return inKernel;
		}

		const peer = this.options.peers.get(name);
		return peer?.module === this.module.path ? undefined : peer;
	}

	/** An import not found, or GPL-only for a module that is not: a failure, or undecided where the kernel cannot tell. */
	private unknownSymbol(symbol: ModuleImport, found: KernelExport | undefined): void {
		const {module, kernel, options} = this;
		const undecidedPeer = found ? undefined : options.undecidedPeers?.get(symbol.name);
		if (undecidedPeer && undecidedPeer.module !== module.path) {
			this.undecided++;
			this.warnings.push({kind: 'unresolved', symbol: symbol.name, log: noLines, message: options.brief ? '' : `${symbol.name}: ${undecidedPeerReason(undecidedPeer, kernel)}`});
			return;
		}

		if (!found && !kernel.modulesIncluded) {
			this.undecided++;
			this.warnings.push({kind: 'unresolved', symbol: symbol.name, log: noLines, message: options.brief ? '' : `${symbol.name}: ${unlistedReason(kernel)}`});
			return;
		}

		const unreadable = kernel.modules?.unreadable;
		if (!found && unreadable && unreadable.length > 0) {
			this.undecided++;
			this.warnings.push({kind: 'unresolved', symbol: symbol.name, log: noLines, message: options.brief ? '' : `${symbol.name}: ${unreadableReason(unreadable)}`});
			return;
		}

		this.failSymbol('symbols', found ? 'gpl_only' : 'missing', symbol.name, found, symbol.crc);
	}

	/** resolve_symbol() on a found export: inherit_taint(), check_version(), verify_namespace_is_imported(). */
	private resolveSymbol(symbol: ModuleImport, found: KernelExport | PeerExport): void {
		const {name} = this.module;
		if (isGplOnly(found.exportType)) {
			this.usesGplOnly = true;
		}

		// inherit_taint(): only knowable for exporters given in the same run.
		if ('license' in found && this.usesGplOnly && !isGplCompatible(found.license ?? 'unspecified')) {
			this.fail(problemOf('proprietary_taint', symbol.name, [`${name}: module using GPL-only symbols uses symbols ${symbol.name} from proprietary module ${found.moduleName}.`, `${name}: Unknown symbol ${symbol.name} (err -22)`], `${found.moduleName} is proprietary and this module uses GPL-only symbols`, {exporter: found.module}), 'symbols');
			return;
		}

		if (!this.checkVersion(symbol, found)) {
			return;
		}

		// verify_namespace_is_imported()
		if (found.namespace !== '' && !verifyModuleNamespace(found.namespace, this.module.name) && !this.facts.importNamespaces.has(found.namespace)) {
			this.failSymbol('symbols', 'namespace', symbol.name, found, symbol.crc);
		}
	}

	/** check_version(): an exporter without CRCs is accepted as is. True when it accepts (the namespace is checked next). */
	private checkVersion(symbol: ModuleImport, found: KernelExport): boolean {
		if (found.crc === undefined || !this.module.hasVersions || this.kernel.modversions === false) {
			return true;
		}

		if (symbol.crc === undefined) {
			// Upstream warns and accepts, so resolve_symbol() goes on to the namespace; Debian refuses
			// (check_version() returns 0) and resolve_symbol() stops there.
			return this.versionMissing(symbol.name, found, 'symbols');
		}

		if (symbol.crc !== found.crc) {
			this.failSymbol('symbols', 'crc', symbol.name, found, symbol.crc);
			return false;
		}

		return true;
	}

	/** The symbol has no CRC in `__versions`; returns true when that is only a warning. */
	private versionMissing(symbol: string, found: KernelExport, at: Stage): boolean {
		if (this.policy.missingVersion === 'warn') {
			this.warnings.push({kind: 'no_version', symbol, log: [`${this.module.name}: no symbol version for ${symbol}`], message: `the module has no CRC for ${symbol}; upstream kernels warn once and accept it`});
			return true;
		}

		this.failSymbol(at, 'no_version', symbol, found, undefined);
		return false;
	}

	private fail(problem: Problem, at: Stage): void {
		this.problems.push(problem);
		this.stage ??= at;
	}

	/** A problem with a symbol; its words (log lines, message, CRC strings) only when the verdict is not brief. */
	private failSymbol(at: Stage, kind: SymbolProblemKind, symbol: string, found: KernelExport | undefined, moduleCrc: number | undefined): void {
		const exporter = found?.module ?? null;
		if (this.options.brief) {
			this.fail({kind, symbol, module_crc: null, kernel_crc: null, exporter, log: noLines, message: ''}, at);
			return;
		}

		const [log, message] = symbolProblemWords(kind, at, this.module.name, symbol, this.facts.license, found);
		const kernelCrc = found?.crc;
		const problem: Problem = {kind, symbol, module_crc: moduleCrc === undefined ? null : formatCrc(moduleCrc), kernel_crc: kernelCrc === undefined ? null : formatCrc(kernelCrc), exporter, log, message};
		if (kind === 'namespace') {
			problem.namespace = found?.namespace ?? '';
		}

		this.fail(problem, at);
	}

	/** The verdict of a check that stops at the first failure (firstFailureOnly), as the kernel logs it. */
	stopped(): KernelVerdict {
		const {problems, warnings} = this;
		return {kernel: this.kernel.label, loads: false, verdict: 'fails', stops_at: this.stage, first_failure: problems[0]!, problems, warnings, dmesg: problems[0]!.log.slice()};
	}

	verdict(): KernelVerdict {
		const {problems, warnings, stage} = this;
		const firstFailure = problems[0] ?? null;
		// The log of one attempt: the kernel stops at module_layout and vermagic; symbols all get their lines.
		const dmesg: string[] = [];
		if (stage === 'module_layout' || stage === 'vermagic') {
			appendAll(dmesg, firstFailure!.log);
		} else if (stage === 'exports') {
			// check_modinfo() announced its taints before the export tables are looked at.
			for (const warning of warnings) {
				appendAll(dmesg, warning.log);
			}

			appendAll(dmesg, firstFailure!.log);
		} else {
			for (const warning of warnings) {
				appendAll(dmesg, warning.log);
			}

			for (const problem of problems) {
				appendAll(dmesg, problem.log);
			}
		}

		const verdict: Outcome = problems.length > 0 ? 'fails' : (this.undecided > 0 ? 'undecided' : 'loads');
		return {kernel: this.kernel.label, loads: verdict === 'loads', verdict, stops_at: stage, first_failure: firstFailure, problems, warnings, dmesg};
	}
}

/**
same_magic(): with CRCs only what follows the release is compared, else the whole string.
Undefined when the kernel does not say what it expects (false when even its flags differ).
*/
function sameMagic(modmagic: string, kernel: Kernel, hasCrcs: boolean): boolean | undefined {
	if (hasCrcs && kernel.vermagicFlags !== undefined) {
		return afterFirstSpace(modmagic) === kernel.vermagicFlags;
	}

	if (kernel.vermagic !== undefined && kernel.release !== undefined) {
		return modmagic === kernel.vermagic;
	}

	return kernel.vermagicFlags !== undefined && afterFirstSpace(modmagic) !== kernel.vermagicFlags ? false : undefined;
}

const modulePrefix = 'module:';

/** The module patterns of a `module:a,b-*` namespace (EXPORT_SYMBOL_FOR_MODULES), else undefined. */
export function moduleNamespacePatterns(namespace: string): string[] | undefined {
	return namespace.startsWith(modulePrefix) ? namespace.slice(modulePrefix.length).split(',').filter(pattern => pattern !== '') : undefined;
}

/**
verify_module_namespace() (7.x): a `module:` namespace names the modules that may use the symbol
without importing it: comma-separated patterns, a trailing `*` globs, `-` and `_` are equal.
*/
export function verifyModuleNamespace(namespace: string, moduleName: string): boolean {
	const patterns = moduleNamespacePatterns(namespace);
	if (!patterns) {
		return false;
	}

	const name = moduleName.replaceAll('-', '_');
	return patterns.some(pattern => {
		const glob = pattern.endsWith('*');
		const stem = (glob ? pattern.slice(0, -1) : pattern).replaceAll('-', '_');
		return glob ? name.startsWith(stem) : name === stem;
	});
}

/**
Why an import is undecided on a kernel that lists only vmlinux's exports, and what to give
instead. An `unresolved` warning's message is `<symbol>: <reason>`.
*/
export function unlistedReason(kernel: Pick<Kernel, 'label' | 'kind' | 'release'>): string {
	return `not exported by vmlinux, and ${kernel.label} (${kernel.kind}) does not list its modules' exports; give its Module.symvers, headers directory or /lib/modules/${kernel.release ?? '<release>'} to decide`;
}

export function unreadableReason(unreadable: string[]): string {
	const more = unreadable.length > 1 ? ` and ${unreadable.length - 1} more` : '';
	return `not exported by vmlinux or any module read; a module of the tree that cannot be read may export it (${unreadable[0]!}${more})`;
}

function undecidedPeerReason(peer: PeerExport, kernel: Pick<Kernel, 'label'>): string {
	return `exported only by ${peer.moduleName} of this run, whose own verdict on ${kernel.label} is undecided; decide that one first`;
}

export type ModuleFacts = {
	/** The module's CRC for module_layout (modpost lists it first), if any. */
	layoutCrc: number | undefined;
	modmagic: string | undefined;
	intree: boolean;
	retpoline: boolean;
	license: string;
	importNamespaces: Set<string>;
};

/**
What every kernel's check reads from the module: derive once per module and pass to each
kernel's check (CheckOptions.facts), not once per kernel. (A WeakMap of every module ever checked
made the garbage collector slower for thousands of them.)
*/
export function moduleFacts(module: ModuleInfo): ModuleFacts {
	// One pass over .modinfo (drivers list hundreds of aliases); the first value of a key counts.
	let modmagic: string | undefined;
	let license: string | undefined;
	let intree = false;
	let retpoline = false;
	const importNamespaces = new Set<string>();
	for (const [key, value] of module.modinfo) {
		switch (key) {
			case 'vermagic': {
				modmagic ??= value;
				break;
			}

			case 'license': {
				license ??= value;
				break;
			}

			case 'intree': {
				intree = true;
				break;
			}

			case 'retpoline': {
				retpoline = true;
				break;
			}

			case 'import_ns': {
				importNamespaces.add(value);
				break;
			}

			default:
		}
	}

	return {
		layoutCrc: module.versions.find(version => version.name === 'module_layout')?.crc,
		modmagic,
		intree,
		retpoline,
		license: license ?? 'unspecified',
		importNamespaces,
	};
}

type SymbolProblemKind = 'crc' | 'missing' | 'gpl_only' | 'namespace' | 'no_version';

/** The kernel's log lines for a problem with one symbol, and our message. */
function symbolProblemWords(kind: SymbolProblemKind, at: Stage, name: string, symbol: string, license: string, found: KernelExport | undefined): [log: string[], message: string] {
	const refused = `${name}: Unknown symbol ${symbol} (err -22)`;
	switch (kind) {
		case 'crc': {
			return at === 'module_layout'
				? [[`${name}: disagrees about version of symbol module_layout`], 'module_layout CRC differs: the module was built against another kernel ABI (struct module and every type it reaches)']
				: [[`${name}: disagrees about version of symbol ${symbol}`, refused], `${symbol} has another CRC in this kernel: its type signature (or a type it reaches) changed`];
		}

		case 'missing': {
			return [[`${name}: Unknown symbol ${symbol} (err -2)`], `${symbol} is not exported by this kernel`];
		}

		case 'gpl_only': {
			return [[`${name}: Unknown symbol ${symbol} (err -2)`], `${symbol} is EXPORT_SYMBOL_GPL and the module's license '${license}' is not GPL-compatible`];
		}

		case 'namespace': {
			const namespace = found?.namespace ?? '';
			const allowed = moduleNamespacePatterns(namespace);
			if (allowed) {
				return [[`${name}: module uses symbol (${symbol}) from namespace ${namespace}, but does not import it.`, refused], `${symbol} is exported only to the modules ${allowed.join(', ')} (EXPORT_SYMBOL_FOR_MODULES); ${name} is not one of them`];
			}

			return [[`${name}: module uses symbol (${symbol}) from namespace ${namespace}, but does not import it.`, refused], `${symbol} is in namespace ${namespace}: the module needs MODULE_IMPORT_NS(${namespace})`];
		}

		case 'no_version': {
			const warn = `${name}: no symbol version for ${symbol}`;
			return [at === 'module_layout' ? [warn] : [warn, refused], `the module has no CRC for ${symbol}; Debian kernels refuse it (upstream warns once and accepts: --missing-version=warn)`];
		}
	}
}

/** One object literal per problem (no spreads): a scan of 4,000 modules makes 300,000 of them. */
function problemOf(kind: ProblemKind, symbol: string | null, log: string[], message: string, extra?: {module_crc?: string | null; kernel_crc?: string | null; exporter?: string | null}): Problem {
	return {kind, symbol, module_crc: extra?.module_crc ?? null, kernel_crc: extra?.kernel_crc ?? null, exporter: extra?.exporter ?? null, log, message};
}

function afterFirstSpace(text: string): string {
	const space = text.indexOf(' ');
	return space === -1 ? '' : text.slice(space + 1);
}

function vermagicProblem(name: string, modmagic: string, kernel: Kernel): Problem {
	if (kernel.vermagic === undefined) {
		// Only the flags are known (a config, no release): the kernel's own line names its release, which is not known here.
		return problemOf('vermagic', null, [], `vermagic differs: the module has '${afterFirstSpace(modmagic)}' after its release, the kernel expects '${kernel.vermagicFlags ?? ''}' (its release is not known, so neither is the exact line it logs)`);
	}

	return problemOf('vermagic', null, [`${name}: version magic '${modmagic}' should be '${kernel.vermagic}'`], `vermagic differs: module '${modmagic}', kernel '${kernel.vermagic}'`);
}
