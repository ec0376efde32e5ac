import {spawnSync} from 'node:child_process';
import test from 'ava';
import {diffKernels, diffSummary, type ExportDiffRow} from '../../source/kernel/diff-kernels.js';
import {loadKernel} from '../../source/kernel/load-kernel.js';
import type {Kernel} from '../../source/kernel/kernel.js';
import {buildDiffReport, diffStatus} from '../../source/engine/diff-report.js';
import {formatDiffMarkdown, formatDiffText} from '../../source/views/format-diff.js';
import {readGzipText, temporaryDirectory, writeTemporary} from '../helpers/derive.js';
import {fixture, linux7Symvers} from '../helpers/paths.js';
import {needs, oracleProgram} from '../helpers/oracles.js';
import {runCli} from '../helpers/run-cli.js';

/*
Debian 7.2.12 → 7.2.13: the Rust exports of the two builds (test/fixtures/kernels/debian-7.2-rust,
cut from their Module.symvers with every import of ax88796b_rust). The reference pairs come from
binutils: two names are the same function when `c++filt -i` prints the same for both.
*/

const symvers12 = fixture('kernels', 'debian-7.2-rust', 'symvers-7.2.12+deb13-amd64.gz');
const symvers13 = fixture('kernels', 'debian-7.2-rust', 'symvers-7.2.13+deb14-amd64.gz');

let kernels: Kernel[];
let rows: ExportDiffRow[];
test.before(async () => {
	kernels = await Promise.all([loadKernel({label: '12', source: symvers12}), loadKernel({label: '13', source: symvers13})]);
	rows = diffKernels(kernels);
});

const namesOf = (text: string) => text.trim().split('\n').map(line => line.split('\t')[1]!);

/** What binutils pairs: names of the first list and the second whose `c++filt -i` demanglings are equal (each unique on its side). */
function cxxfiltPairs(before: string[], after: string[]): Map<string, string> {
	const demangle = (names: string[]) => spawnSync(oracleProgram('c++filt'), ['-i'], {input: names.join('\n') + '\n', encoding: 'utf8', maxBuffer: 1 << 28}).stdout.split('\n').slice(0, names.length);
	const rust = (names: string[]) => names.filter(name => name.startsWith('_R'));
	const [old, next] = [rust(before), rust(after)];
	const nextBy = new Map(demangle(next).map((text, index) => [text, next[index]!]));
	const pairs = new Map<string, string>();
	for (const [index, text] of demangle(old).entries()) {
		const partner = nextBy.get(text);
		if (partner !== undefined && partner !== old[index]) {
			pairs.set(old[index]!, partner);
		}
	}

	return pairs;
}

const sortedPairs = (pairs: Iterable<[string | null, string | null]>) => [...pairs].map(pair => pair.join(' → ')).sort();

needs('c++filt')('7.2.12 → 7.2.13: the rehashed rows are exactly the pairs c++filt demangles alike', t => {
	const expected = cxxfiltPairs(namesOf(readGzipText(symvers12)), namesOf(readGzipText(symvers13)));
	const rehashed = rows.filter(row => row.change.includes('rehashed'));
	t.deepEqual(sortedPairs(rehashed.map(row => [row.names![0]!, row.names![1]!])), sortedPairs(expected));
	t.is(expected.size, 611);
});

test('7.2.12 → 7.2.13: 611 rehashed instead of 611 removals and 611 additions', t => {
	const summary = diffSummary(rows);
	t.like(summary, {rehashed: 611, removed: 2390 - 611, added: 742 - 611, same: 3});
	const wrong = rows.filter(row => row.change.includes('rehashed')).filter(row => row.change.length !== 1 || !row.demangled || !row.names
		|| row.name !== row.names[0] || row.names[0] === row.names[1] || row.exports[0]?.name !== row.names[0] || row.exports[1]?.name !== row.names[1]);
	t.deepEqual(wrong, []);

	// Every Rust row has its demangled name; C rows none.
	t.true(rows.every(row => (row.demangled !== undefined) === row.name.startsWith('_R')));
	t.is(diffStatus({kernels, rows}), 1);
	// A kernel against itself: nothing rehashed.
	t.like(diffSummary(diffKernels([kernels[1]!, kernels[1]!])), {rehashed: 0, added: 0, removed: 0, same: 745});
});

test('text, Markdown and JSON: the rehashed count, their section, demangled names first', t => {
	const diff = {kernels, rows};
	const text = formatDiffText(diff);
	t.regex(text.split('\n')[0]!, /: 131 added, 1779 removed, 611 rehashed \(same Rust function, new build hash\), /);
	const section = text.indexOf('Same function, new build hash: 611 Rust exports');
	t.true(section > 0);
	t.regex(text, /\n {2}<core::ffi::c_str::CStr>::to_str +_RNvMs4_NtNtCs2lKf6AS60Zg_4core3ffi5c_strNtB5_4CStr6to_str → _RNvMs3_NtNtCsbZfwWpAStWS_4core3ffi5c_strNtB5_4CStr6to_str\n/);
	// A removal, in the removed section: the demangled name, then the CRCs, the mangled name at the end.
	const removed = text.slice(text.indexOf('\nRemoved exports (1,779):\n'), text.indexOf('\nExport type, namespace and module changes'));
	t.regex(removed, /\n {2}<bindings::bindings_raw::preempt_notifier as core::default::Default>::default +none → — {2}vmlinux +EXPORT_SYMBOL\S* +\(_RNvXs10_NtCsebvPM9VZv4X_8bindings12bindings_rawNtB6_16preempt_notifierNtNtCs2lKf6AS60Zg_4core7default7Default7default\)\n/);
	t.false(text.slice(0, section).includes('\nrehashed'));

	const markdown = formatDiffMarkdown(diff);
	t.true(markdown.includes('## Same function, new build hash: 611 Rust exports'));
	t.true(markdown.includes('| `<core::ffi::c_str::CStr>::to_str` | rehashed | `_RNvMs4_NtNtCs2lKf6AS60Zg_4core3ffi5c_strNtB5_4CStr6to_str` none | `_RNvMs3_NtNtCsbZfwWpAStWS_4core3ffi5c_strNtB5_4CStr6to_str` none | vmlinux |'));
	t.true(markdown.includes('exports changed (611 of them the same Rust function under a new build hash)'));

	const json = buildDiffReport(diff);
	t.is(json.summary.rehashed, 611);
	const change = json.changes.find(entry => entry.demangled === '<core::ffi::c_str::CStr>::to_str')!;
	t.deepEqual(change.change, ['rehashed']);
	t.is(change.name, '_RNvMs4_NtNtCs2lKf6AS60Zg_4core3ffi5c_strNtB5_4CStr6to_str');
	t.deepEqual(change.kernels.map(entry => entry?.name), ['_RNvMs4_NtNtCs2lKf6AS60Zg_4core3ffi5c_strNtB5_4CStr6to_str', '_RNvMs3_NtNtCsbZfwWpAStWS_4core3ffi5c_strNtB5_4CStr6to_str']);
	// Rows that are not rehashed carry no per-kernel names.
	t.true(json.changes.filter(entry => !entry.change.includes('rehashed')).every(entry => entry.kernels.every(kernel => !kernel || !('name' in kernel))));
});

test('a key two exports of one kernel share pairs nothing', async t => {
	// Derived from the real 7.2.13 list: a second export demangling as <core::ffi::c_str::CStr>::to_str.
	const text = readGzipText(symvers13);
	const line = text.split('\n').find(entry => entry.includes('_RNvMs3_NtNtCsbZfwWpAStWS_4core3ffi5c_strNtB5_4CStr6to_str'))!;
	const twin = line.replace('_RNvMs3_', '_RNvMs9_');
	const file = writeTemporary(temporaryDirectory(t), 'Module.symvers', `${text}${twin}\n`);
	const doubled = await loadKernel({label: '13b', source: file});
	const derived = diffKernels([kernels[0]!, doubled]);
	t.false(derived.some(row => row.demangled === '<core::ffi::c_str::CStr>::to_str' && row.change.includes('rehashed')));
	t.is(derived.filter(row => row.demangled === '<core::ffi::c_str::CStr>::to_str').length, 3);
	t.is(diffSummary(derived).rehashed, 610);
});

needs('c++filt')('Debian\'s whole 7.2.12 and 7.2.13 Module.symvers: 611 rehashed, as c++filt pairs them', t => {
	const [before, after] = linux7Symvers.map(file => namesOf(readGzipText(file)));
	const expected = cxxfiltPairs(before!, after!);
	const result = runCli(['-k', linux7Symvers[0]!, '-k', linux7Symvers[1]!, '--json']);
	t.is(result.code, 1);
	const report = JSON.parse(result.stdout) as ReturnType<typeof buildDiffReport>;
	const rehashed = report.changes.filter(change => change.change.includes('rehashed'));
	t.deepEqual(sortedPairs(rehashed.map(change => [change.kernels[0]!.name!, change.kernels[1]!.name!])), sortedPairs(expected));
	const beforeSet = new Set(before);
	const afterSet = new Set(after);
	t.like(report.summary, {
		rehashed: expected.size,
		removed: before!.filter(name => !afterSet.has(name)).length - expected.size,
		added: after!.filter(name => !beforeSet.has(name)).length - expected.size,
	});
	t.log(report.summary);
});
