import test from 'ava';
import {actionFor, bindings, footerHints, helpLines} from '../../source/ui/keys.js';
import {currentScreen, initialState, matrixEntries, reducer, selectedRow, type ExplorerEvent, type ExplorerState} from '../../source/ui/state/explorer-state.js';
import {fixture} from '../helpers/paths.js';
import {diffData, type ExplorerData} from '../../source/ui/state/data.js';
import {kernelDiff} from '../../source/cli/diff-command.js';
import {symbolDetailLines} from '../../source/ui/state/detail-lines.js';
import {flagsFor, kernel47, kernel56, loadCheck, loadDiff, myDrv} from './ui-fixtures.js';

let data: ExplorerData;
let diff: ExplorerData;
test.before(async () => {
	[data, diff] = await Promise.all([loadCheck([myDrv]), loadDiff()]);
});

const run = (state: ExplorerState, ...events: ExplorerEvent[]) => events.reduce(reducer, state);
const key = (input: string, extra: Record<string, boolean> = {}): ExplorerEvent => ({type: 'input', input, key: extra});
const typed = (text: string) => [...text].map(char => key(char));
const names = (state: ExplorerState) => state.view.map(index => state.tables[state.module]![index]!.name);
const fresh = () => initialState(data.tables, data.kernels.length, {pageSize: 10});

test('rows of my_drv: 21 imports, module_layout first (where 56 stops), failures before matches', t => {
	const state = fresh();
	const list = names(state);
	t.is(list.length, 21);
	t.is(list[0], 'module_layout');
	const rows = state.view.map(index => state.tables[0]![index]!);
	t.is(rows.filter(row => row.status === 'bad').length, 11);
	t.true(rows.slice(0, 11).every(row => row.status === 'bad'));
	const layout = rows[0]!;
	t.deepEqual(layout.cells.map(cell => [cell.state, cell.text]), [['ok', '0x160c03af'], ['bad', '0x9060323f']]);
});

test('m hides the symbols that match on every kernel and keeps the failing ones', t => {
	const state = run(fresh(), key('m'));
	const list = names(state);
	t.is(list.length, 11);
	for (const hidden of ['_printk', 'strlen', '__fentry__']) {
		t.false(list.includes(hidden), hidden);
	}

	t.true(list.includes('module_layout'));
	t.true(list.includes('misc_register'));
	t.deepEqual(names(run(state, key('m'))).length, 21);
});

test('incremental search jumps as you type, Enter keeps it, n/N cycle, Esc clears', t => {
	let state = run(fresh(), key('/'), ...typed('misc_'));
	t.true(state.search?.editing);
	t.is(state.search?.matches.length, 2);
	t.regex(selectedRow(state)!.name, /^misc_/);
	state = run(state, ...typed('reg'));
	t.is(selectedRow(state)!.name, 'misc_register');
	state = run(state, key('', {return: true}));
	t.false(state.search!.editing);
	t.is(selectedRow(state)!.name, 'misc_register');
	state = run(state, key('', {escape: true}));
	t.is(state.search, undefined);
	t.is(selectedRow(state)!.name, 'misc_register');
	state = run(fresh(), key('/'), ...typed('misc_regx'), key('', {backspace: true}));
	t.is(state.search?.query, 'misc_reg');
	t.is(selectedRow(state)!.name, 'misc_register');

	// Typed keys are the query, not commands: q does not quit while searching.
	state = run(fresh(), key('/'), ...typed('k'));
	t.is(state.command, undefined);
	t.is(state.search?.query, 'k');
	const first = state.cursor;
	state = run(state, key('', {return: true}), key('n'));
	t.not(state.cursor, first);
	state = run(state, key('N'));
	t.is(state.cursor, first);
	// Esc while typing goes back to where the search started.
	state = run(fresh(), key('j'), key('j'), key('/'), ...typed('strlen'));
	t.is(selectedRow(state)!.name, 'strlen');
	state = run(state, key('', {escape: true}));
	t.is(state.cursor, 2);
});

test('s cycles status → name → exporter, S reverses, the selection stays', t => {
	let state = run(fresh(), key('/'), ...typed('strlen'), key('', {return: true}));
	state = run(state, key('s'));
	t.is(state.sort, 'name');
	t.is(selectedRow(state)!.name, 'strlen');
	const sorted = names(state);
	t.deepEqual(sorted, [...sorted].sort());
	state = run(state, key('S'));
	t.deepEqual(names(state), [...sorted].reverse());
	state = run(state, key('s'), key('s'));
	t.is(state.sort, 'status');
});

test('movement: j/k, pages, g/G, ends clamp', t => {
	let state = fresh();
	state = run(state, key('k'));
	t.is(state.cursor, 0);
	state = run(state, key('j'), key('', {downArrow: true}));
	t.is(state.cursor, 2);
	state = run(state, key('G'));
	t.is(state.cursor, 20);
	state = run(state, key('g'), key('d', {ctrl: true}));
	t.is(state.cursor, 9);
	state = run(state, key('', {pageDown: true}), key('', {pageDown: true}));
	t.is(state.cursor, 20);
	state = run(state, key('u', {ctrl: true}));
	t.is(state.cursor, 11);
	state = run(state, key('', {home: true}));
	t.is(state.cursor, 0);
});

test('Enter opens the symbol detail, Tab the kernels pane, Esc goes back', t => {
	let state = run(fresh(), key('', {return: true}));
	t.is(currentScreen(state).kind, 'symbol');
	state = run(state, key('', {escape: true}));
	t.is(currentScreen(state).kind, 'table');
	state = run(state, key('', {tab: true}), key('j'), key('', {return: true}));
	t.is(currentScreen(state).kind, 'kernel');
	t.is(state.kernelCursor, 1);
	state = run(state, key('', {escape: true}), key('', {tab: true, shift: true}));
	t.is(state.pane, 'symbols');
});

test('effects are commands with ids: export, copy, quit', t => {
	let state = run(fresh(), key('e'));
	t.deepEqual(state.command, {id: 1, action: 'exportMarkdown'});
	state = run(state, key('E'), key('y'), key('q'));
	t.deepEqual(state.command, {id: 4, action: 'quit'});
	t.deepEqual(run(fresh(), key('c', {ctrl: true})).command?.action, 'quit');
});

test('kernel-vs-kernel: 24,600+ rows, problems only drops the unchanged, search scans all', t => {
	let state = initialState(diff.tables, diff.kernels.length, {pageSize: 30});
	t.true(state.view.length > 24_600);
	const crcChanged = diff.tables[0]!.filter(row => row.status === 'bad').length;
	t.is(crcChanged, 18_254);
	state = run(state, key('m'));
	t.true(state.view.length < 24_600);
	t.true(state.view.length >= 18_254);
	state = run(state, key('m'), key('/'), ...typed('insert_resource_expand'), key('', {return: true}));
	const row = selectedRow(state)!;
	t.is(row.name, 'insert_resource_expand_to_fit');
	t.is(diff.kernels[0]!.exports.get(row.name)?.namespace, 'CXL');
	state = run(state, key('G'));
	t.is(state.cursor, state.view.length - 1);
});

test('one key table: every binding is in the help, footer hints fit the width', t => {
	const help = helpLines().map(line => line.help);
	for (const binding of bindings) {
		t.true(help.includes(binding.help), binding.help);
	}

	for (const scope of ['symbols', 'kernels', 'detail', 'matrix', 'search', 'help'] as const) {
		t.true(footerHints(scope, 80).length <= 80);
	}

	t.is(actionFor('symbols', 'q', {}), 'quit');
	t.is(actionFor('search', 'q', {}), undefined);
	t.is(actionFor('symbols', '', {tab: true, shift: true}), 'prevPane');
	t.is(actionFor('symbols', '', {tab: true}), 'nextPane');
});

test('the modules matrix: / searches module names (n/N cycle, Esc clears), m keeps the modules that do not load everywhere', async t => {
	const many = await loadCheck([fixture('dkms/6.1.0-47-amd64'), myDrv, fixture('modules/6.1.0-47-amd64/dummy.ko')], [kernel47]);
	t.is(many.mode, 'check');
	const report = many.mode === 'check' ? many.report : undefined;
	// compat_xtables, v4l2loopback, vpoll, xt_ipp2p (misses nothing: compat_xtables is given), my_drv, dummy.
	let state = initialState(many.tables, many.kernels.length, {pageSize: 10, modules: matrixEntries(report!)});
	t.is(currentScreen(state).kind, 'matrix');
	t.deepEqual(state.matrixView, [0, 1, 2, 3, 4, 5]);
	state = run(state, key('/'), ...typed('xt'));
	t.deepEqual(state.search?.matches, [0, 3]);
	t.is(state.matrixCursor, 0);
	state = run(state, key('', {return: true}), key('n'));
	t.is(state.matrixCursor, 3);
	state = run(state, key('n'));
	t.is(state.matrixCursor, 0);
	state = run(state, key('N'));
	t.is(state.matrixCursor, 3);
	// Enter opens the module under the cursor: xt_ipp2p.
	const opened = run(state, key('', {return: true}));
	t.is(currentScreen(opened).kind, 'table');
	t.is(opened.module, 3);
	state = run(state, key('', {escape: true}));
	t.is(state.search, undefined);
	t.is(currentScreen(state).kind, 'matrix');
	// Every module loads on 47: m leaves none; again, and all come back.
	state = run(state, key('m'));
	t.true(state.matrixProblemsOnly);
	t.deepEqual(state.matrixView, []);
	t.is(run(state, key('', {return: true})).stack.length, 1);
	state = run(state, key('m'));
	t.deepEqual(state.matrixView, [0, 1, 2, 3, 4, 5]);
	// Entries that do not load everywhere (every other one, as if): m keeps them, search stays within.
	const mixed = initialState(many.tables, 1, {modules: matrixEntries(report!).map((entry, index) => ({...entry, ok: index % 2 === 0}))});
	const problems = run(mixed, key('j'), key('m'));
	t.deepEqual(problems.matrixView, [1, 3, 5]);
	t.is(problems.matrixCursor, 0);
	t.is(run(problems, key('/'), ...typed('v4l2')).matrixCursor, 0);
	t.deepEqual(run(problems, key('/'), ...typed('dummy')).search?.matches, [2]);
});

test('kernel diff with rules: m hides the unchanged exports and the tolerated changes; the rule is in the row', async t => {
	const kernels = (diff as Extract<ExplorerData, {mode: 'diff'}>).kernels;
	const {diff: judged} = await kernelDiff(kernels, {...flagsFor([kernel47, kernel56]), rules: fixture('kabi/kabi_stablelist_x86_64')});
	const data = diffData(kernels, judged);
	const state = run(initialState(data.tables, kernels.length, {pageSize: 10}), key('m'));
	// The stablelist fixture lists six of the symbols whose CRC changed: only they are problems.
	t.deepEqual(names(state).sort(), ['alloc_netdev_mqs', 'misc_deregister', 'misc_register', 'module_layout', 'noop_llseek', 'wake_up_process']);
	t.regex(selectedRow(state)!.decision!.rule, /is on the stablelist rhel9_x86_64_stablelist/);
	// The detail pane names the deciding rule.
	const detail = symbolDetailLines(data, 0, selectedRow(state)!, new Map(), 200).map(line => line.map(part => part.text).join('')).join('\n');
	t.regex(detail, /kABI rules\n✗ not tolerated \(.*kabi_stablelist_x86_64: \w+ is on the stablelist rhel9_x86_64_stablelist\)/);
	t.is(run(state, key('m')).view.length, 24_702);
});

test('c lists the causes; Enter shows one cause\'s exports; the first entry shows every export again', t => {
	const causes = [new Set(['module_layout', 'misc_register', 'kmalloc_trace']), new Set(['kmalloc_trace'])];
	const kernels = (diff as Extract<ExplorerData, {mode: 'diff'}>).kernels;
	const start = initialState(diff.tables, kernels.length, {pageSize: 10, causes});
	const list = run(start, key('c'));
	t.is(currentScreen(list).kind, 'causes');
	t.is(list.causeCursor, 0);
	const first = run(list, key('j'), key('', {return: true}));
	t.is(currentScreen(first).kind, 'table');
	t.is(first.cause, 0);
	t.deepEqual(names(first).sort(), ['kmalloc_trace', 'misc_register', 'module_layout']);
	// Back in the list the cursor is on the cause shown; down, Enter: the next one.
	const second = run(first, key('c'), key('j'), key('', {return: true}));
	t.deepEqual(names(second), ['kmalloc_trace']);
	t.is(run(second, key('c'), key('G'), key('j')).causeCursor, 2);
	// The first entry: every export; Esc leaves the list unchanged.
	t.is(run(second, key('c'), key('g'), key('', {return: true})).view.length, 24_702);
	t.deepEqual(names(run(second, key('c'), key('g'), key('', {escape: true}))), ['kmalloc_trace']);
	// Without grouping, c says what would make it.
	const none = run(initialState(diff.tables, kernels.length, {pageSize: 10}), key('c'));
	t.regex(none.message!.text, /give type information for both kernels/);
});
