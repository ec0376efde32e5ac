import {readFileSync} from 'node:fs';
import type {CheckReport} from '../source/report/check-report.js';
import {cellText} from '../source/report/format-matrix.js';
import type {WeakModulesReport} from '../source/plan/weak-modules.js';

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

if (process.argv[1]?.endsWith('scale-compare.js')) {
	const [reportFile, referenceFile, ownLabel, weakFile, matrixFile] = process.argv.slice(2);
	if (!reportFile || !referenceFile || !ownLabel) {
		process.stderr.write('usage: scale-compare.js REPORT.json REFERENCE.tsv OWN_LABEL [WEAK.json [MATRIX.md]]\n');
		process.exit(2);
	}

	const report = JSON.parse(readFileSync(reportFile, 'utf8')) as CheckReport;
	const weak = weakFile ? JSON.parse(readFileSync(weakFile, 'utf8')) as WeakModulesReport : undefined;
	const errors = compareWithReference(report, readFileSync(referenceFile, 'utf8'), ownLabel, weak);
	if (matrixFile) {
		errors.push(...compareMatrix(report, readFileSync(matrixFile, 'utf8')));
	}

	for (const error of errors.slice(0, 50)) {
		process.stdout.write(`✗ ${error}\n`);
	}

	const pairs = report.modules.length * report.kernels.length;
	process.stdout.write(errors.length === 0
		? `✓ ${report.modules.length} modules × ${report.kernels.length} kernels (${pairs} verdicts) match the reference; every module loads on ${ownLabel}${weak ? `; weak-modules agrees on ${weak.modules.length} modules` : ''}${matrixFile ? '; the matrix agrees with the report' : ''}\n`
		: `✗ ${errors.length} differences\n`);
	process.exitCode = errors.length === 0 ? 0 : 1;
}
