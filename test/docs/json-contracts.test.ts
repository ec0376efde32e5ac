import {readFileSync} from 'node:fs';
import path from 'node:path';
import test from 'ava';
import {checkSchema} from '../../source/engine/check-report.js';
import {diffSchema} from '../../source/engine/diff-report.js';
import {planSchema} from '../../source/engine/build-plan.js';
import {weakModulesSchema} from '../../source/engine/weak-modules.js';
import {whySchema} from '../../source/engine/why.js';
import {fixture, repoRoot} from '../helpers/paths.js';
import {runCli} from '../helpers/run-cli.js';

const contracts = readFileSync(path.join(repoRoot, 'docs', 'json-contracts.md'), 'utf8');
const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');

test('every schema kmodx prints has its section in docs/json-contracts.md, and the README names and links them', t => {
	for (const schema of [checkSchema, whySchema, planSchema, weakModulesSchema, diffSchema]) {
		t.true(contracts.includes(`## \`${schema}\``), schema);
		t.true(readme.includes(`\`${schema}\``), schema);
	}

	t.true(readme.includes('(docs/json-contracts.md)'));
});

/** Every key of a real document, at every depth, as "a.b.c" (array elements as their first). */
function keys(value: unknown, prefix = ''): string[] {
	if (Array.isArray(value)) {
		return value.length > 0 ? keys(value[0], prefix) : [];
	}

	if (value && typeof value === 'object') {
		return Object.entries(value).flatMap(([key, inner]) => [key, ...keys(inner, `${prefix}${key}.`)].map(name => (name === key ? `${prefix}${key}` : name)));
	}

	return [];
}

/** Every key of a document, of every array element (a Rust field is on some rows only). */
function allKeys(value: unknown, prefix = ''): string[] {
	if (Array.isArray(value)) {
		return [...new Set(value.flatMap(item => allKeys(item, prefix)))];
	}

	if (value && typeof value === 'object') {
		return Object.entries(value).flatMap(([key, inner]) => [`${prefix}${key}`, ...allKeys(inner, `${prefix}${key}.`)]);
	}

	return [];
}

test('every field of a real kmodx.check/1 and kmodx.diff/1 document (with rules and causes) is documented', t => {
	const symvers = (release: string) => fixture(`kernels/6.1.0-${release}-amd64/Module.symvers.gz`);
	const check = JSON.parse(runCli(['check', fixture('modules/my_drv-6.1.0-47-amd64.ko'), '-k', `56=${symvers('56')}`, '--rules', fixture('kabi/kabi_stablelist_x86_64'), '--json']).stdout) as unknown;
	const diff = JSON.parse(runCli(['-k', `47=${symvers('47')}`, '-k', `56=${symvers('56')}`, '--rules', fixture('kabi/severities'), '--types', `47=${fixture('btf/debian-6.1.0-47-amd64.btf.gz')}`, '--types', `56=${fixture('btf/debian-6.1.0-56-amd64.btf.gz')}`, '--json']).stdout) as unknown;
	for (const key of new Set([...keys(check), ...keys(diff)])) {
		const last = key.split('.').at(-1)!;
		t.true(contracts.includes(`"${last}"`), `${key} is not in docs/json-contracts.md`);
	}
});

test('the Rust fields of kmodx.check/1 and kmodx.diff/1 (Debian 7.2.12 → 7.2.13) are documented', t => {
	const rust = (name: string) => fixture('kernels/debian-7.2-rust', name);
	const module = fixture('modules/debian-7.2-rust/ax88796b_rust-7.2.12+deb13-amd64.ko.xz');
	const check = JSON.parse(runCli(['check', module, '-k', rust('symvers-7.2.13+deb14-amd64.gz'), '--json']).stdout) as unknown;
	const diff = JSON.parse(runCli(['-k', rust('symvers-7.2.12+deb13-amd64.gz'), '-k', rust('symvers-7.2.13+deb14-amd64.gz'), '--json']).stdout) as unknown;
	const all = [...allKeys(check), ...allKeys(diff)];
	for (const key of ['modules.imports.demangled', 'modules.results.problems.demangled', 'modules.results.problems.rehashed_as', 'summary.rehashed', 'changes.demangled', 'changes.kernels.name']) {
		t.true(all.includes(key), key);
	}

	for (const key of new Set(all)) {
		t.true(contracts.includes(`"${key.split('.').at(-1)!}"`), `${key} is not in docs/json-contracts.md`);
	}
});
