import test from 'ava';
import {statusForError} from '../../source/cli/exit.js';
import {diffKernels} from '../../source/kernel/diff-kernels.js';
import type {ModuleInfo} from '../../source/module/module-info.js';
import {buildPlan} from '../../source/engine/build-plan.js';
import {formatPlanMarkdown, formatPlanText} from '../../source/views/format-plan.js';
import {buildCheckReport} from '../../source/engine/check-report.js';
import {buildDiffReport} from '../../source/engine/diff-report.js';
import {formatMarkdown} from '../../source/views/format-markdown.js';
import {formatText} from '../../source/views/format-text.js';
import {jsonChunks} from '../../source/views/json-chunks.js';
import {fixtureModule, symversKernel} from '../helpers/kernels.js';

/*
Reports whose size the input controls: a module of 200,000 imports (my_drv's, each renamed, so
all missing) overflowed the stack where lines were spread into push() or Math.max(); a module of
a million imports made a JSON document longer than V8's longest string.
*/

const policy = {missingVersion: 'fatal'} as const;

/** my_drv.ko with `count` more imports, derived from its own: each name suffixed, its CRC kept. */
async function manyImports(count: number): Promise<ModuleInfo> {
	const module = await fixtureModule('my_drv-6.1.0-47-amd64.ko');
	const extra = Array.from({length: count}, (_, index) => {
		const real = module.versions[index % module.versions.length]!;
		return {name: `${real.name}_${index}`, crc: real.crc};
	});
	return {...module, versions: [...module.versions, ...extra], imports: [...module.imports, ...extra.map(entry => ({...entry, weak: false}))]};
}

test('200,000 problems: the text and Markdown reports and the plan are made, every problem listed', async t => {
	const [module, kernel] = await Promise.all([manyImports(200_000), symversKernel('6.1.0-56-amd64', '56')]);
	const report = buildCheckReport([module], [kernel], policy);
	t.is(report.modules[0]!.results[0]!.problems.length, 200_011);
	const text = formatText(report);
	t.regex(text, /fails at module_layout \(11 CRC mismatches, 200000 missing symbols\)/);
	t.regex(text, /✗ missing +\w+_199999 /);
	const markdown = formatMarkdown(report);
	t.regex(markdown, /\| missing \| `\w+_199999` \|/);
	const plan = buildPlan([module], [kernel], policy);
	t.is(plan.builds[0]!.missing.length, 200_000);
	t.true(formatPlanText(plan).includes('missing: '));
	t.regex(formatPlanMarkdown(plan), /`\w+_199999`/);
});

test('jsonChunks is JSON.stringify(value, null, 2) + newline: real check, plan and diff reports, and edge values', async t => {
	const [module, k47, k56] = await Promise.all([fixtureModule('my_drv-6.1.0-47-amd64.ko'), symversKernel('6.1.0-47-amd64', '47'), symversKernel('6.1.0-56-amd64', '56')]);
	const values: unknown[] = [
		buildCheckReport([module], [k47, k56], policy),
		buildPlan([module], [k47, k56], policy),
		buildDiffReport({kernels: [k47, k56], rows: diffKernels([k47, k56])}),
		{a: [], b: {}, c: [[], [{}], [1, 'x', null, true]], d: undefined, e: 'a\u001B"\\\n', f: -0.5, g: [undefined, () => 1]},
		[], {}, 'text', 3, null, [[[[[]]]]],
	];
	for (const value of values) {
		t.is([...jsonChunks(value)].join(''), JSON.stringify(value, null, 2) + '\n');
	}

	// What JSON leaves raw and a terminal may act on (C1, bidi, tags) is escaped: the same value.
	const hostile = {'k\u009B': ['a\u009B[2J', 'b\u202Ec', 'tag\u{E0041}', 'é模']};
	const text = [...jsonChunks(hostile)].join('');
	t.is(text, '{\n  "k\\u009b": [\n    "a\\u009b[2J",\n    "b\\u202ec",\n    "tag\\udb40\\udc41",\n    "é模"\n  ]\n}\n');
	t.deepEqual(JSON.parse(text), hostile);
});

test('a document longer than the longest string is made in pieces', t => {
	const line = 'x'.repeat(1024 * 1024);
	const value = {schema: 'kmodx.check/1', lines: Array.from({length: 600}, () => line)};
	t.throws(() => JSON.stringify(value, null, 2), {instanceOf: RangeError, message: /Invalid string length/});
	let length = 0;
	let longest = 0;
	for (const chunk of jsonChunks(value)) {
		length += chunk.length;
		longest = Math.max(longest, chunk.length);
	}

	t.is(length, 600 * (line.length + 2 + 4 + 2) - 2 + '{\n  "schema": "kmodx.check/1",\n  "lines": [\n'.length + '\n  ]\n}\n'.length);
	t.true(longest < 3 * 1024 * 1024);
});

test('a report that still cannot be made is one line and status 2; any other error is an internal one, status 70; never a stack trace and status 1', t => {
	const written: string[] = [];
	const write = process.stderr.write;
	process.stderr.write = ((text: string) => {
		written.push(text);
		return true;
	}) as typeof process.stderr.write;
	try {
		t.is(statusForError(new RangeError('Invalid string length')), 2);
		t.is(statusForError(new RangeError('Maximum call stack size exceeded')), 2);
		t.is(statusForError(new RangeError('Invalid time value')), 70);
		t.is(statusForError(new TypeError('x is undefined')), 70);
	} finally {
		process.stderr.write = write;
	}

	const internal = (message: string) => `kmodx: internal error, please report it as a bug with the command line that caused it: ${message} (KMODX_DEBUG=1 shows where)\n`;
	t.deepEqual(written, [
		'kmodx: the input is too large to report on (Invalid string length)\n', 'kmodx: the input is too large to report on (Maximum call stack size exceeded)\n',
		internal('RangeError: Invalid time value'), internal('TypeError: x is undefined'),
	]);
});
