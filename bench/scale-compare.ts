import {readdirSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {parseArgs} from 'node:util';
import {gunzipSync} from 'node:zlib';
import type {PlanReport} from '../source/engine/build-plan.js';
import type {CheckReport} from '../source/engine/check-report.js';
import {cellText} from '../source/views/format-matrix.js';
import type {WeakModulesReport} from '../source/engine/weak-modules.js';

/**
`node build/bench/scale-compare.js REPORT.json REFERENCE.tsv OWN_LABEL [WEAK.json]`: every module's
verdict of `kmodx check --json` against scripts/scale-reference.sh (modprobe --dump-modversions
joined with each Module.symvers): the same CRC mismatches and missing symbols, loads exactly when
the reference finds nothing, and every module loads on its own kernel. With WEAK.json (a
`weak-modules --json` run), its decisions must follow the reference on the --to kernel.
*/
export function compareWithReference(report: CheckReport, reference: string, ownLabel: string, weak?: WeakModulesReport): string[] {
	const expected = new Map<string, string[]>();
	for (const line of reference.split('\n')) {
		const [path, label, status, symbol] = line.split('\t');
		if (!path || !label || !status) {
			continue;
		}

		const key = `${path}\t${label}`;
		const list = expected.get(key) ?? [];
		if (status !== 'ok') {
			list.push(`${status} ${symbol ?? ''}`);
		}

		expected.set(key, list);
	}

	const errors: string[] = [];
	let compared = 0;
	for (const module of report.modules) {
		for (const result of module.results) {
			const key = `${module.path}\t${result.kernel}`;
			const want = expected.get(key);
			if (!want) {
				errors.push(`${key}: not in the reference`);
				continue;
			}

			compared++;
			const got = result.problems.map(problem => `${problem.kind} ${problem.symbol ?? ''}`);
			if (got.sort().join(',') !== want.sort().join(',') || result.loads !== (want.length === 0)) {
				errors.push(`${key}: kmodx ${result.loads ? 'loads' : 'fails'} [${got.join(', ')}], reference [${want.join(', ')}]`);
			}

			if (result.kernel === ownLabel && !result.loads) {
				errors.push(`${module.path}: does not load on its own kernel ${ownLabel}`);
			}
		}
	}

	if (compared !== expected.size) {
		errors.push(`compared ${compared} module × kernel pairs, the reference has ${expected.size}`);
	}

	for (const module of weak?.modules ?? []) {
		const reusable = (expected.get(`${module.path}\t${weak!.to.label}`) ?? ['?']).length === 0;
		if ((module.decision === 'reuse') !== reusable) {
			errors.push(`weak-modules ${module.path}: ${module.decision}, the reference says ${reusable ? 'reuse' : 'rebuild'}`);
		}
	}

	return errors;
}

/**
The matrix (`check DIR --format markdown`, made from brief verdicts) against the JSON report's
full verdicts: the same cell for every module and kernel, in the same order.
*/
export function compareMatrix(report: CheckReport, markdown: string): string[] {
	const rows = markdown.split('\n').filter(line => line.startsWith('| ')).map(line => line.slice(2, -2).split(' | '));
	const header = rows.findIndex(cells => cells[0] === 'module');
	const body = rows.slice(header + 1).filter(cells => !/^-+$/.test(cells[0] ?? ''));
	const errors: string[] = [];
	if (header === -1 || body.length !== report.modules.length) {
		return [`the matrix has ${body.length} rows, the report ${report.modules.length} modules`];
	}

	for (const [index, module] of report.modules.entries()) {
		const expected = [module.name, ...module.results.map(result => cellText(result))];
		if (body[index]!.join(' | ') !== expected.join(' | ')) {
			errors.push(`matrix row ${index + 1}: [${body[index]!.join(' | ')}], the report says [${expected.join(' | ')}]`);
		}
	}

	return errors;
}

/**
ABI groups and plans from the reference alone: the module's `__versions` names (modprobe
--dump-modversions) and each kernel's Module.symvers read here with a plain split, kernels grouped
by the CRC each gives every name ('-' when it lacks it).
*/
export class ReferenceAbi {
	private readonly versionNames = new Map<string, string[]>();

	constructor(versions: string, private readonly kernels: Array<{label: string; crcs: Map<string, string>}>) {
		for (const line of versions.split('\n')) {
			const [path, crc, symbol] = line.split('\t');
			if (!path || !crc || !symbol) {
				continue;
			}

			const list = this.versionNames.get(path) ?? [];
			if (crc !== '-') {
				list.push(symbol);
			}

			this.versionNames.set(path, list);
		}
	}

	static symvers(file: string): Map<string, string> {
		const raw = readFileSync(file);
		const text = (raw[0] === 0x1F && raw[1] === 0x8B ? gunzipSync(raw) : raw).toString('latin1');
		const crcs = new Map<string, string>();
		for (const line of text.split('\n')) {
			const [crc, name] = line.split('\t');
			if (crc && name && !crcs.has(name)) {
				crcs.set(name, Number.parseInt(crc, 16).toString(16).padStart(8, '0'));
			}
		}

		return crcs;
	}

	/** The module's `__versions` names; undefined for a module the reference does not list. */
	names(path: string): string[] | undefined {
		return this.versionNames.get(path);
	}

	/** Kernel labels by group, in the order of first appearance; undefined for a module the reference does not list. */
	groups(path: string, labels: string[]): string[][] | undefined {
		const names = this.versionNames.get(path);
		if (!names) {
			return undefined;
		}

		const groups = new Map<string, string[]>();
		for (const label of labels) {
			const crcs = this.kernels.find(kernel => kernel.label === label)!.crcs;
			const key = names.map(name => crcs.get(name) ?? '-').join(',');
			groups.set(key, [...(groups.get(key) ?? []), label]);
		}

		return [...groups.values()];
	}

	/** Names whose CRC differs between the kernels (or that some lack), and those the same everywhere. */
	split(path: string, labels: string[]): {splitting: string[]; identical: string[]} {
		const splitting: string[] = [];
		const identical: string[] = [];
		for (const name of this.versionNames.get(path) ?? []) {
			const values = new Set(labels.map(label => this.kernels.find(kernel => kernel.label === label)!.crcs.get(name) ?? '-'));
			if (values.size > 1) {
				splitting.push(name);
			} else if (!values.has('-')) {
				identical.push(name);
			}
		}

		return {splitting, identical};
	}
}

/** Every module's `groups` in the JSON report against the reference's. */
export function compareGroups(report: CheckReport, reference: ReferenceAbi): string[] {
	const labels = report.kernels.map(kernel => kernel.label);
	const errors: string[] = [];
	for (const module of report.modules) {
		const want = reference.groups(module.path, labels);
		if (JSON.stringify(module.groups) !== JSON.stringify(want)) {
			errors.push(`${module.path}: ABI groups ${JSON.stringify(module.groups)}, the reference ${JSON.stringify(want)}`);
		}
	}

	return errors;
}

/** `kmodx plan --json` documents against the reference: one build per group, the same splitting and identical symbols. */
export function comparePlans(plans: PlanReport[], abi: ReferenceAbi): string[] {
	const errors: string[] = [];
	for (const plan of plans) {
		const labels = plan.kernels.map(kernel => kernel.label);
		if (!plan.module) {
			errors.push(`a plan of ${plan.modules.length} modules: scale-test plans one module at a time`);
			continue;
		}

		const groups = abi.groups(plan.module.path, labels);
		const builds = plan.builds.map(build => build.kernels);
		if (JSON.stringify(builds) !== JSON.stringify(groups)) {
			errors.push(`plan ${plan.module.path}: builds ${JSON.stringify(builds)}, the reference groups ${JSON.stringify(groups)}`);
		}

		const {splitting, identical} = abi.split(plan.module.path, labels);
		const got = {splitting: plan.splitting_symbols.map(symbol => symbol.name).sort(), identical: plan.identical_symbols.map(symbol => symbol.name).sort()};
		if (JSON.stringify(got) !== JSON.stringify({splitting: splitting.sort(), identical: identical.sort()})) {
			errors.push(`plan ${plan.module.path}: ${got.splitting.length} splitting and ${got.identical.length} identical symbols, the reference ${splitting.length} and ${identical.length}`);
		}

		// One binary: one group, and no kernel lacks a name (a lacking name splits the groups or is lacked by all).
		const oneBinary = groups?.length === 1 && identical.length === (abi.names(plan.module.path)?.length ?? -1);
		if (plan.one_binary !== oneBinary) {
			errors.push(`plan ${plan.module.path}: one_binary ${String(plan.one_binary)}, the reference ${String(oneBinary)}`);
		}
	}

	return errors;
}

if (process.argv[1]?.endsWith('scale-compare.js')) {
	const {values: named, positionals} = parseArgs({options: {versions: {type: 'string'}, plans: {type: 'string'}, kernel: {type: 'string', multiple: true}}, allowPositionals: true});
	const [reportFile, referenceFile, ownLabel, weakFile, matrixFile] = positionals;
	if (!reportFile || !referenceFile || !ownLabel) {
		process.stderr.write('usage: scale-compare.js REPORT.json REFERENCE.tsv OWN_LABEL [WEAK.json [MATRIX.md]] [--versions VERSIONS.tsv --kernel LABEL=SYMVERS… [--plans DIR]]\n');
		process.exit(2);
	}

	const report = JSON.parse(readFileSync(reportFile, 'utf8')) as CheckReport;
	const weak = weakFile ? JSON.parse(readFileSync(weakFile, 'utf8')) as WeakModulesReport : undefined;
	const errors = compareWithReference(report, readFileSync(referenceFile, 'utf8'), ownLabel, weak);
	if (matrixFile) {
		errors.push(...compareMatrix(report, readFileSync(matrixFile, 'utf8')));
	}

	let plans: PlanReport[] = [];
	if (named.versions) {
		const kernels = (named.kernel ?? []).map(spec => ({label: spec.slice(0, spec.indexOf('=')), crcs: ReferenceAbi.symvers(spec.slice(spec.indexOf('=') + 1))}));
		const abi = new ReferenceAbi(readFileSync(named.versions, 'latin1'), kernels);
		errors.push(...compareGroups(report, abi));
		if (named.plans) {
			plans = readdirSync(named.plans).map(file => JSON.parse(readFileSync(path.join(named.plans!, file), 'utf8')) as PlanReport);
			errors.push(...comparePlans(plans, abi));
		}
	}

	for (const error of errors.slice(0, 50)) {
		process.stdout.write(`✗ ${error}\n`);
	}

	const pairs = report.modules.length * report.kernels.length;
	process.stdout.write(errors.length === 0
		? `✓ ${report.modules.length} modules × ${report.kernels.length} kernels (${pairs} verdicts) match the reference; every module loads on ${ownLabel}`
			+ (weak ? `; weak-modules agrees on ${weak.modules.length} modules` : '')
			+ (matrixFile ? '; the matrix agrees with the report' : '')
			+ (named.versions ? '; so do the ABI groups' : '')
			+ (plans.length > 0 ? `, and ${plans.length} plans (${plans.reduce((sum, plan) => sum + plan.builds.length, 0)} builds)` : '')
			+ '\n'
		: `✗ ${errors.length} differences\n`);
	process.exitCode = errors.length === 0 ? 0 : 1;
}
