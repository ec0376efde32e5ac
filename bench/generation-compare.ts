import {execFile} from 'node:child_process';
import {readFileSync} from 'node:fs';
import path from 'node:path';
import type {CheckReport} from '../source/engine/check-report.js';

/*
scripts/generations-check.sh: every verdict and every problem list of `kmodx check DIR --json`
against an independent reference, on kernels of any generation: Debian 13's 6.12 (modversions)
and Debian 14's 7.2 (no modversions, __kflagstab, module: namespaces). The reference uses other
projects' tools only — kmod's `modinfo` and `modprobe --dump-modversions`, binutils' `nm` and
`readelf` — joined with the kernel's Module.symvers and .config by hand, under the rules of
kernel/module/main.c and version.c (Debian 6.12 and 7.2/7.3 sources):
- modversions (CONFIG_MODVERSIONS=y): module_layout first; vermagic after the release when the
  module has __versions; per import: unknown (missing, or GPL-only for a proprietary module),
  then the CRC (absent: Debian refuses), then the namespace;
- without: vermagic compared whole; per import: unknown, then the namespace;
- a `module:a,b*` namespace lets the named modules in (tail glob, - = _); a kernel whose
  module_symbol.h has KSYM_FLAG_GPL_ONLY refuses exports without __kflagstab.

Usage: node build/bench/generation-compare.js REPORT.json LABEL=HEADERS_DIR[,image]…
HEADERS_DIR: the build's headers (Module.symvers, .config, include/generated/utsrelease.h).
`,image`: the label's kernel lists only vmlinux's exports (an image): an import vmlinux lacks is
undecided there, never missing. Prints each disagreement and the counts; exit 1 on any.
*/

const sbin = `${process.env['PATH'] ?? ''}:/sbin:/usr/sbin`;

/** A tool's output (and status when `allowFailure`); processes run in parallel, a few at a time (moduleFacts). */
async function run(command: string, args: string[], allowFailure = false): Promise<{stdout: string; status: number | null}> {
	return new Promise((resolve, reject) => {
		execFile(command, args, {encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, env: {...process.env, PATH: sbin}}, (error, stdout, stderr) => {
			const status = error ? (typeof error.code === 'number' ? error.code : null) : 0;
			if (error && !allowFailure) {
				reject(new Error(`${command} ${args.join(' ')}: ${stderr}`));
			} else {
				resolve({stdout, status});
			}
		});
	});
}

type Export = {crc: string; type: string; namespace: string; module: string};
type Build = {exports: Map<string, Export>; modversions: boolean; forceLoad: boolean; vermagic: string; exportFlags: boolean};

function readBuild(headers: string): Build {
	const exports = new Map<string, Export>();
	for (const line of readFileSync(path.join(headers, 'Module.symvers'), 'latin1').split('\n')) {
		const [crc, name, module, type, namespace] = line.split('\t');
		if (crc && name && !exports.has(name)) {
			exports.set(name, {crc: crc.toLowerCase(), type: type ?? 'EXPORT_SYMBOL', namespace: namespace ?? '', module: module ?? ''});
		}
	}

	const config = readFileSync(path.join(headers, '.config'), 'utf8');
	const on = (name: string) => new RegExp(`^CONFIG_${name}=y$`, 'm').test(config);
	const release = /UTS_RELEASE\s+"([^"]+)"/.exec(readFileSync(path.join(headers, 'include/generated/utsrelease.h'), 'utf8'))![1]!;
	// include/linux/vermagic.h, as these x86-64 kernels configure it.
	const flags = `${on('SMP') ? 'SMP ' : ''}${on('PREEMPT_BUILD') ? 'preempt ' : ''}${on('MODULE_UNLOAD') ? 'mod_unload ' : ''}${on('MODVERSIONS') ? 'modversions ' : ''}`;
	const makefile = readFileSync(path.join(headers, 'Makefile'), 'utf8');
	const common = /^include\s+(\S+)\/Makefile/m.exec(makefile)?.[1];
	const commonDir = common ? path.join(path.dirname(headers), path.basename(common)) : headers;
	let symbolHeader = '';
	try {
		symbolHeader = readFileSync(path.join(commonDir, 'include/linux/module_symbol.h'), 'utf8');
	} catch {}

	return {exports, modversions: on('MODVERSIONS'), forceLoad: on('MODULE_FORCE_LOAD'), vermagic: `${release} ${flags}`, exportFlags: symbolHeader.includes('KSYM_FLAG_GPL_ONLY')};
}

type ModuleFacts = {
	name: string; license: string; vermagic: string; imports: Array<{name: string; weak: boolean}>;
	versions: Map<string, string> | undefined; importNs: Set<string>; exportsWithoutFlags: boolean;
	/** What the module exports (modpost's `__ksymtab_<name>` symbols). */
	exports: string[];
};

async function moduleFacts(file: string): Promise<ModuleFacts> {
	// One call per tool: `modinfo -0` separates its `key=value` entries with NUL.
	const [modinfo, dump, nm, readelf] = await Promise.all([run('modinfo', ['-0', file]), run('modprobe', ['--dump-modversions', file], true), run('nm', [file]), run('readelf', ['-SW', file])]);
	const info = modinfo.stdout.split('\0').map(entry => /^([\w.-]+)(?:=|:\s*)(.*)$/s.exec(entry)).filter(match => match !== null);
	const field = (name: string) => info.filter(match => match![1] === name).map(match => match![2]!);
	const versions = dump.status === 0 ? new Map(dump.stdout.trim().split('\n').filter(Boolean).map(line => {
		const [crc, name] = line.split('\t');
		return [name!, crc!.toLowerCase()] as const;
	})) : undefined;
	const symbols = nm.stdout.split('\n').map(line => line.trim().split(/\s+/));
	const imports = symbols.filter(parts => parts.length === 2 && (parts[0] === 'U' || parts[0] === 'w')).map(([kind, name]) => ({name: name!, weak: kind === 'w'}));
	const exports = symbols.filter(parts => parts.length === 3).map(parts => /^__ksymtab_(\w+)$/.exec(parts[2]!)?.[1]).filter((name): name is string => name !== undefined);
	const sections = readelf.stdout;
	const hasExports = /\s__ksymtab\s+PROGBITS\s+\S+\s+\S+\s+0*[1-9a-f]/.test(sections);
	return {
		name: field('name')[0] || path.basename(file).replace(/\.ko$/, '').replaceAll('-', '_'),
		license: field('license')[0] ?? 'unspecified',
		vermagic: field('vermagic')[0]?.trimEnd() ?? '',
		imports,
		versions,
		importNs: new Set(field('import_ns')),
		exportsWithoutFlags: hasExports && !/\s__kflagstab\s/.test(sections),
		exports,
	};
}

const gplCompatible = new Set(['GPL', 'GPL v2', 'GPL and additional rights', 'Dual BSD/GPL', 'Dual MIT/GPL', 'Dual MPL/GPL']);
const normal = (text: string) => text.replaceAll('-', '_');
const moduleNamespaceAllows = (namespace: string, name: string) => namespace.startsWith('module:')
	&& namespace.slice(7).split(',').some(pattern => (pattern.endsWith('*') ? normal(name).startsWith(normal(pattern.slice(0, -1))) : normal(name) === normal(pattern)));

type Reference = {verdict: 'loads' | 'fails' | 'undecided'; problems: string[]};

/** `peers`: exports of the run's other modules where the kernel lacks a name (an image): loading ones resolve, undecided ones leave it undecided. */
function reference(module: ModuleFacts, build: Build, imageOnly: boolean, peers?: Map<string, {export: Export; state: Reference['verdict']; owner: ModuleFacts}>): Reference {
	const problems: string[] = [];
	let undecided = false;
	if (build.modversions) {
		const layout = build.exports.get('module_layout');
		if (!module.versions) {
			if (!build.forceLoad) {
				problems.push('no_versions module_layout');
			}
		} else if (layout) {
			const own = module.versions.get('module_layout');
			if (own === undefined) {
				problems.push('no_version module_layout');
			} else if (own !== layout.crc) {
				problems.push('crc module_layout');
			}
		}
	}

	const compareFlagsOnly = build.modversions && module.versions !== undefined;
	const kernelMagic = build.vermagic.trimEnd();
	const same = compareFlagsOnly ? module.vermagic.slice(module.vermagic.indexOf(' ')) === kernelMagic.slice(kernelMagic.indexOf(' ')) : module.vermagic === kernelMagic;
	if (!same) {
		problems.push('vermagic');
	}

	if (build.exportFlags && module.exportsWithoutFlags) {
		problems.push('no_export_flags');
	}

	const gplOk = gplCompatible.has(module.license);
	for (const symbol of module.imports) {
		const found = build.exports.get(symbol.name);
		let visible = found && !(imageOnly && found.module !== 'vmlinux') ? found : undefined;
		const peer = visible ? undefined : peers?.get(symbol.name);
		if (peer && peer.owner !== module && peer.state === 'undecided') {
			undecided = true;
			continue;
		}

		if (peer && peer.owner !== module && peer.state === 'loads') {
			visible = peer.export;
		}

		if (!visible) {
			if (!symbol.weak) {
				if (imageOnly) {
					undecided = true;
				} else {
					problems.push(`missing ${symbol.name}`);
				}
			}

			continue;
		}

		if (visible.type === 'EXPORT_SYMBOL_GPL' && !gplOk) {
			problems.push(`gpl_only ${symbol.name}`);
			continue;
		}

		if (build.modversions && module.versions) {
			const own = module.versions.get(symbol.name);
			if (own === undefined) {
				problems.push(`no_version ${symbol.name}`);
				continue;
			}

			if (own !== visible.crc) {
				problems.push(`crc ${symbol.name}`);
				continue;
			}
		}

		if (visible.namespace !== '' && !moduleNamespaceAllows(visible.namespace, module.name) && !module.importNs.has(visible.namespace)) {
			problems.push(`namespace ${symbol.name}`);
		}
	}

	return {verdict: problems.length > 0 ? 'fails' : (undecided ? 'undecided' : 'loads'), problems: problems.sort()};
}

const [reportFile, ...specs] = process.argv.slice(2);
const report = JSON.parse(readFileSync(reportFile!, 'utf8')) as CheckReport;
const builds = new Map<string, {build: Build; imageOnly: boolean}>();
for (const spec of specs) {
	const [label, rest] = [spec.slice(0, spec.indexOf('=')), spec.slice(spec.indexOf('=') + 1)];
	const [headers, kind] = rest.split(',');
	builds.set(label, {build: readBuild(headers!), imageOnly: kind === 'image'});
}

const facts = new Map<string, ModuleFacts>();
// Four modules at a time (four tools each): the tools wait on the disk as much as on the processor.
const queue = report.modules.map(module => module.path);
await Promise.all(Array.from({length: 4}, async () => {
	for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
		// eslint-disable-next-line no-await-in-loop
		facts.set(file, await moduleFacts(file));
	}
}));

/**
On a kernel that lists only vmlinux's exports the run's modules resolve each other, as insmod'ed
dependencies would, where they load themselves: verdicts iterated from "nothing loads" until none
changes (what kmodx does, here written again from the rule).
*/
function imageVerdicts(build: Build): Map<ModuleFacts, Reference> {
	let states = new Map<ModuleFacts, Reference>([...facts.values()].map(module => [module, {verdict: 'fails', problems: []}]));
	for (let round = 0; round <= facts.size + 1; round++) {
		const peers = new Map<string, {export: Export; state: Reference['verdict']; owner: ModuleFacts}>();
		for (const [module, state] of states) {
			for (const name of module.exports) {
				const entry = build.exports.get(name);
				if (entry && state.verdict !== 'fails') {
					peers.set(name, {export: entry, state: state.verdict, owner: module});
				}
			}
		}

		const next = new Map([...facts.values()].map(module => [module, reference(module, build, true, peers)]));
		const changed = [...next].some(([module, state]) => states.get(module)!.verdict !== state.verdict);
		states = next;
		if (!changed) {
			break;
		}
	}

	return states;
}

let compared = 0;
let disagreements = 0;
const tally: Record<string, number> = {};
const imageStates = new Map([...builds].filter(([, entry]) => entry.imageOnly).map(([label, entry]) => [label, imageVerdicts(entry.build)]));
for (const module of report.modules) {
	const own = facts.get(module.path)!;
	for (const result of module.results) {
		const against = builds.get(result.kernel);
		if (!against) {
			continue;
		}

		const expected = against.imageOnly ? imageStates.get(result.kernel)!.get(own)! : reference(own, against.build, false);
		const ours = result.problems.map(problem => (problem.kind === 'vermagic' || problem.kind === 'no_export_flags' ? problem.kind : `${problem.kind} ${problem.symbol ?? ''}`)).sort();
		compared++;
		tally[`${result.kernel} ${expected.verdict}`] = (tally[`${result.kernel} ${expected.verdict}`] ?? 0) + 1;
		if (result.verdict !== expected.verdict || ours.join('\n') !== expected.problems.join('\n')) {
			disagreements++;
			if (disagreements <= 20) {
				const some = (list: string[]) => list.slice(0, 6).join(', ') + (list.length > 6 ? ', …' : '');
				console.log(`✗ ${module.path} on ${result.kernel}: kmodx ${result.verdict} [${some(ours)}], reference ${expected.verdict} [${some(expected.problems)}]`);
			}
		}
	}
}

console.log(`${compared} module × kernel verdicts compared with their problem lists; ${disagreements} disagree`);
console.log(Object.entries(tally).map(([key, count]) => `  ${key}: ${count}`).join('\n'));
process.exitCode = disagreements > 0 || compared === 0 ? 1 : 0;
