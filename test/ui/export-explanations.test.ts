import test from 'ava';
import {TypeInformation} from '../../source/type-info/type-information.js';
import {parseTypesFlags} from '../../source/type-info/types-flags.js';
import {explainSymbol} from '../../source/engine/explain-symbol.js';
import {exportContent} from '../../source/ui/export.js';
import {explainKey, type ExplanationState} from '../../source/ui/state/detail-lines.js';
import type {CheckReport} from '../../source/engine/check-report.js';
import {markdownDefects, parseMarkdown} from '../helpers/markdown.js';
import {fixture} from '../helpers/paths.js';
import {loadCheck, myDrv} from './ui-fixtures.js';

/*
The explorer's export carries the whys the user opened, as they were made (not made again), and
says of the others that they were not explained and how to explain them.
*/

test('the export reuses the explanation the explorer made (module_layout 47 → 56, symtypes, verified) and lists the rest as not explained', async t => {
	const data = await loadCheck([myDrv]);
	t.is(data.mode, 'check');
	const [from, to] = data.kernels;
	const info = new TypeInformation(parseTypesFlags([
		`47=${fixture('symtypes/debian-6.1.0-47-amd64.version.symtypes.gz')}`, `56=${fixture('symtypes/debian-6.1.0-56-amd64.version.symtypes.gz')}`,
	], data.kernels));
	// What the explorer holds after the user opened module_layout: the explainer's own answer.
	const result = await explainSymbol('module_layout', from!, to!, info);
	t.true('explanation' in result);
	const explanations = new Map<string, ExplanationState>([[explainKey('module_layout', '47', '56'), {status: 'done', result}]]);
	// One still under way is not in the report.
	explanations.set(explainKey('misc_register', '47', '56'), {status: 'loading', message: 'comparing types', since: 0});

	const markdown = exportContent(data, 'markdown', explanations);
	t.deepEqual(markdownDefects(parseMarkdown(markdown)), []);
	t.regex(markdown, /- \*\*`module_layout`\*\*: 47 `0x160c03af` → 56 `0x9060323f`: symtypes, verified/);
	t.regex(markdown, /- not explained: `misc_deregister`, .*`misc_register`.*: open the symbol in the explorer \(Enter on its row, kernel 56\) before exporting, or run kmodx check --explain/);

	const json = JSON.parse(exportContent(data, 'json', explanations)) as CheckReport;
	const problems = json.modules[0]!.results[1]!.problems;
	const layout = problems.find(problem => problem.symbol === 'module_layout')!;
	// The same object's content the explorer showed, and first_failure is that problem.
	t.deepEqual(layout.explanation, (result as {explanation: unknown}).explanation);
	t.deepEqual(json.modules[0]!.results[1]!.first_failure, layout);
	t.true(problems.filter(problem => problem.symbol !== 'module_layout').every(problem => problem.not_explained?.includes('open the symbol in the explorer')));
	// The explorer's own report is unchanged: it keeps showing what it computed.
	t.true(data.mode === 'check' && data.report.modules[0]!.results[1]!.problems.every(problem => !problem.explanation && problem.not_explained === undefined));
});
