import test from 'ava';
import {cellWidth} from '../../source/common/text-cells.js';
import {loadKernel} from '../../source/kernel/load-kernel.js';
import type {Kernel} from '../../source/kernel/kernel.js';
import type {ModuleInfo} from '../../source/module/module-info.js';
import {moduleReport, type ModuleReport} from '../../source/engine/check-report.js';
import {formatMarkdown} from '../../source/views/format-markdown.js';
import {moduleText, symbolColumn} from '../../source/views/format-text.js';
import {buildCheckReport} from '../../source/engine/check-report.js';
import {readGzipText, temporaryDirectory, writeTemporary} from '../helpers/derive.js';
import {fixtureModule} from '../helpers/kernels.js';
import {fixture} from '../helpers/paths.js';

/*
Debian's ax88796b_rust as built for 7.2.12, on 7.2.12 and on 7.2.13. Its 12 Rust imports carry
the crate hash of 7.2.12's `kernel` crate: 7.2.13 exports the same functions under its own hash.
The reference for what the hints must name: the same module as Debian built it for 7.2.13,
whose imports are exactly those names.
*/

const policy = {missingVersion: 'fatal'} as const;
const rust = (name: string) => fixture('kernels', 'debian-7.2-rust', name);

let k12: Kernel;
let k13: Kernel;
let built12: ModuleInfo;
let built13: ModuleInfo;
test.before(async () => {
	[k12, k13, built12, built13] = await Promise.all([
		loadKernel({label: '7.2.12', source: rust('symvers-7.2.12+deb13-amd64.gz')}),
		loadKernel({label: '7.2.13', source: rust('symvers-7.2.13+deb14-amd64.gz')}),
		fixtureModule('debian-7.2-rust', 'ax88796b_rust-7.2.12+deb13-amd64.ko.xz'),
		fixtureModule('debian-7.2-rust', 'ax88796b_rust-7.2.13+deb14-amd64.ko.xz'),
	]);
});

const rustImports = (module: ModuleInfo) => module.imports.map(symbol => symbol.name).filter(name => name.startsWith('_R'));
const missing = (report: ModuleReport, index = 0) => report.results[index]!.problems.filter(problem => problem.kind === 'missing');

test('a missing Rust import the kernel exports under another build hash names that export: the one the module built for that kernel imports', t => {
	const report = moduleReport(built12, [k12, k13], policy);
	t.deepEqual(missing(report, 0), []);
	const problems = missing(report, 1);
	t.is(problems.length, 12);
	t.deepEqual(problems.map(problem => problem.symbol).sort(), rustImports(built12).sort());
	const named = problems.map(problem => /under another build hash \((_R\w+)\): a Rust module must be built against this exact kernel build$/.exec(problem.message)?.[1]);
	t.deepEqual(named.sort(), rustImports(built13).sort());
	t.deepEqual(problems.map(problem => problem.rehashed_as).sort(), rustImports(built13).sort());
	// The message still starts as the kernel's own words for a missing symbol; the log is the kernel's.
	for (const problem of problems) {
		t.true(problem.message.startsWith(`${problem.symbol!} is not exported by this kernel; `));
		t.deepEqual(problem.log, [`ax88796b_rust: Unknown symbol ${problem.symbol!} (err -2)`]);
	}

	t.true(problems.some(problem => problem.demangled === '<kernel::net::phy::Device>::genphy_read_lpa'));
	t.true(problems.every(problem => problem.demangled !== undefined));
});

test('a missing Rust import without an equivalent gets no hint; C imports get no demangled name', async t => {
	// Derived from the real 7.2.13 list: genphy_read_lpa no longer exported at all.
	const text = readGzipText(rust('symvers-7.2.13+deb14-amd64.gz')).split('\n').filter(line => !line.includes('15genphy_read_lpa')).join('\n');
	const derived = await loadKernel({label: 'derived', source: writeTemporary(temporaryDirectory(t), 'Module.symvers', text)});
	const problems = missing(moduleReport(built12, [derived], policy));
	const lost = problems.find(problem => problem.demangled === '<kernel::net::phy::Device>::genphy_read_lpa')!;
	t.is(lost.message, `${lost.symbol!} is not exported by this kernel`);
	t.false('rehashed_as' in lost);
	t.is(problems.filter(problem => problem.message.includes('another build hash')).length, 11);

	const imports = moduleReport(built12, [k13], policy).imports;
	t.deepEqual(imports.filter(entry => entry.demangled !== undefined).map(entry => entry.name).sort(), rustImports(built12).sort());
	t.true(imports.some(entry => entry.name === '__x86_return_thunk' && !('demangled' in entry)));
});

test('the text report shows demangled names in a symbol column of at most 48 cells; nothing is lost', t => {
	const report = moduleReport(built12, [k13], policy);
	const lines = moduleText(report, 6).filter(line => line.startsWith('      ✗ '));
	// The 12 missing Rust imports; no module_layout line: a kernel without modversions has no such check.
	t.is(lines.length, 12);
	for (const line of lines) {
		// "      ✗ " + kind (10) + " " + symbol column + "  " + detail
		const column = line.slice(8 + 11).split('  ')[0]!;
		t.true(cellWidth(column) <= symbolColumn, line);
		t.false(column.startsWith('_R'), line);
	}

	t.true(lines.some(line => line.includes(' <kernel::net::phy::Device>::genphy_read_lpa ')));
	// A name cut to fit still ends the line whole when the message does not hold it: every mangled name is on its line.
	for (const name of rustImports(built12)) {
		t.true(lines.some(line => line.includes(name)), name);
	}
});

test('Markdown: the demangled name, the mangled one after it', t => {
	const markdown = formatMarkdown(buildCheckReport([built12], [k13], policy));
	t.true(markdown.includes('| missing | `<kernel::net::phy::Device>::genphy_read_lpa` (`_RNvMNtNtCsb5MLIFMWygY_6kernel3net3phyNtB2_6Device15genphy_read_lpa`) |'));
});
