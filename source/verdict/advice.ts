import {existsSync, readdirSync} from 'node:fs';
import path from 'node:path';
import type {Kernel} from '../kernel/kernel.js';
import {modinfoValue, type ModuleInfo} from '../module/module-info.js';
import {moduleNamespacePatterns, type Advice, type KernelVerdict, type ProblemKind} from './check-module.js';
import {appendAll} from '../common/arrays.js';

export type {Advice} from './check-module.js';

/** Problems a rebuild against the kernel's own headers fixes. */
const rebuildKinds: ReadonlySet<ProblemKind> = new Set(['crc', 'vermagic', 'no_versions', 'no_version', 'no_export_flags']);

export type AdviceContext = {
	/** Every kernel of the run with the module's verdict there: which one the module was built for. */
	verdicts: ReadonlyArray<{kernel: Kernel; verdict: KernelVerdict}>;
	/** Where DKMS keeps its sources (tests point it elsewhere). */
	dkmsRoot?: string;
};

export function adviceFor(module: ModuleInfo, kernel: Kernel, verdict: KernelVerdict, context: AdviceContext): Advice[] {
	if (verdict.verdict === 'loads') {
		return [];
	}

	const advice: Advice[] = [];
	const kinds = new Set(verdict.problems.map(problem => problem.kind));
	const builtFor = builtForAdvice(module, kernel, context);
	if (builtFor) {
		advice.push(builtFor);
	}

	if ([...kinds].some(kind => rebuildKinds.has(kind) || kind === 'missing')) {
		appendAll(advice, rebuildAdvice(module, kernel, context));
	}

	// A Rust import the kernel exports under its own build's crate hash (rehashed_as) comes back with a rebuild.
	const missing = verdict.problems.filter(problem => problem.kind === 'missing' && problem.rehashed_as === undefined).map(problem => problem.symbol!);
	if (missing.length > 0) {
		const elsewhere = context.verdicts.filter(other => other.kernel !== kernel && missing.some(symbol => other.kernel.exports.get(symbol))).map(other => other.kernel.label);
		const also = elsewhere.length > 0 ? ` (${elsewhere.join(', ')} ${elsewhere.length === 1 ? 'exports' : 'export'} some of them)` : '';
		// The names are kept apart from the sentence: each view shows them as names (a code span in Markdown).
		advice.push({kind: 'not_enough', text: `a rebuild is not enough: ${kernel.label} does not export ${missing.length === 1 ? 'this import' : `these ${missing.length} imports`}${also}; the module's source must stop using ${missing.length === 1 ? 'it' : 'them'} or take ${missing.length === 1 ? 'it' : 'them'} from another module loaded first`, command: null, symbols: missing});
	}

	if (kinds.has('gpl_only')) {
		const license = modinfoValue(module, 'license') ?? 'none';
		advice.push({kind: 'source', text: `the module's license '${license}' is not GPL-compatible, so EXPORT_SYMBOL_GPL symbols are hidden from it: only a GPL-compatible MODULE_LICENSE() (e.g. "GPL") in its source makes them visible`, command: null});
	}

	const namespaces = [...new Set(verdict.problems.map(problem => problem.namespace).filter((namespace): namespace is string => namespace !== undefined && namespace !== ''))];
	for (const namespace of namespaces) {
		const allowed = moduleNamespacePatterns(namespace);
		advice.push(allowed
			? {kind: 'source', text: `the kernel exports these only to the modules ${allowed.join(', ')}: ${module.name} cannot use them (in-tree, the exporter's EXPORT_SYMBOL_FOR_MODULES would have to name it)`, command: null}
			: {kind: 'source', text: `add MODULE_IMPORT_NS(${namespace}) to the module's source and rebuild`, command: null});
	}

	if (verdict.verdict === 'undecided') {
		const reasons = new Set(verdict.warnings.filter(warning => warning.kind === 'unresolved' || warning.kind === 'vermagic_unknown').map(warning => /give (.*?)( to decide)?$/.exec(warning.message)?.[1]).filter((give): give is string => give !== undefined));
		for (const give of reasons) {
			advice.push({kind: 'decide', text: `to decide, give ${give}`, command: null});
		}
	}

	return advice;
}

/** The kernel whose CRCs and vermagic the module carries, when it is not this one and the module sits in another's tree. */
function builtForAdvice(module: ModuleInfo, kernel: Kernel, context: AdviceContext): Advice | undefined {
	const builtRelease = modinfoValue(module, 'vermagic')?.split(' ')[0];
	const installedFor = /\/lib\/modules\/([^/]+)\//.exec(module.path)?.[1];
	if (installedFor && builtRelease && installedFor !== builtRelease && kernel.release === installedFor) {
		return {
			kind: 'built_for',
			text: `installed for ${installedFor} but built against ${builtRelease}'s headers: the build used the running kernel instead of the target (a Makefile or dkms.conf with \`uname -r\` or a fixed KERNELDIR); build with KERNELDIR=/lib/modules/\${kernelver}/build`,
			command: null,
		};
	}

	const matches = context.verdicts.filter(other => other.kernel !== kernel && other.verdict.verdict === 'loads');
	if (matches.length > 0 && builtRelease && builtRelease !== kernel.release) {
		return {kind: 'built_for', text: `it was built for ${builtRelease}; it loads on ${matches.map(other => other.kernel.label).join(', ')} of the kernels given`, command: null};
	}

	return undefined;
}

function rebuildAdvice(module: ModuleInfo, kernel: Kernel, context: AdviceContext): Advice[] {
	const release = kernel.release;
	if (!release) {
		return [{kind: 'rebuild', text: `rebuild the module against ${kernel.label}'s headers (its release is not known here, so neither is their package)`, command: null}];
	}

	const advice: Advice[] = [];
	const dkms = dkmsPackage(module, context.dkmsRoot ?? '/var/lib/dkms');
	const install = headersInstall(release);
	advice.push({kind: 'rebuild', text: `rebuild against ${release}: its headers are ${install ? install.package : `the kernel-headers package of ${release}`}`, command: install?.command ?? null});
	if (dkms) {
		advice.push({kind: 'dkms', text: `${module.name} is managed by DKMS (${dkms.name} ${dkms.version})`, command: `dkms install -m ${dkms.name} -v ${dkms.version} -k ${release}`});
	} else {
		advice.push({kind: 'rebuild', text: 'then, in the module\'s source directory', command: `make -C /lib/modules/${release}/build M=$PWD modules`});
	}

	return advice;
}

/** The distribution's headers package for a release, from the release string's own shape. */
export function headersInstall(release: string): {package: string; command: string} | undefined {
	if (/\.(el\d+|fc\d+)(_\d+)?\.\w+$/.test(release)) {
		return {package: `kernel-devel-${release}`, command: `dnf install kernel-devel-${release}`};
	}

	if (/-default$/.test(release) && /^\d+\.\d+\.\d+-\d{6}/.test(release)) {
		return {package: 'kernel-default-devel', command: `zypper install kernel-default-devel = ${release.replace(/-default$/, '')}`};
	}

	// Debian (6.1.0-47-amd64, 6.12.107+deb13-amd64) and Ubuntu (6.8.0-45-generic): linux-headers-<release>.
	if (/^\d+\.\d+(\.\d+)?([-+][\w.+~]+)*-[a-z][\w-]*$/.test(release)) {
		return {package: `linux-headers-${release}`, command: `apt install linux-headers-${release}`};
	}

	return undefined;
}

/** A module DKMS built: under updates/dkms/ or extra/, with its source in /var/lib/dkms/NAME/VERSION. */
function dkmsPackage(module: ModuleInfo, root: string): {name: string; version: string} | undefined {
	if (!/\/(updates\/dkms|extra)\//.test(module.path) || !existsSync(root)) {
		return undefined;
	}

	for (const name of safeList(root)) {
		for (const version of safeList(path.join(root, name))) {
			const built = path.join(root, name, version, 'source', 'dkms.conf');
			if (existsSync(built) && moduleInPackage(root, name, version, module.name)) {
				return {name, version};
			}
		}
	}

	return undefined;
}

/** DKMS keeps what it built under NAME/VERSION/<release>/<arch>/module/: the module's name among them. */
function moduleInPackage(root: string, name: string, version: string, moduleName: string): boolean {
	for (const release of safeList(path.join(root, name, version))) {
		for (const arch of safeList(path.join(root, name, version, release))) {
			const built = safeList(path.join(root, name, version, release, arch, 'module'));
			if (built.some(file => file.replace(/\.ko(\.\w+)?$/, '').replaceAll('-', '_') === moduleName.replaceAll('-', '_'))) {
				return true;
			}
		}
	}

	return name.replaceAll('-', '_') === moduleName.replaceAll('-', '_');
}

function safeList(directory: string): string[] {
	try {
		return readdirSync(directory);
	} catch {
		return [];
	}
}
