import test from 'ava';
import stringWidth from 'string-width';
import {actionFor, bindings, footerHints, helpLines, helpRows} from '../../source/ui/keys.js';
import {controllers, currentScreen, initialState, matrixEntries, reducer, scopeOf, selectedRow, type ExplorerEvent, type ExplorerState} from '../../source/ui/state/explorer-state.js';
import {fixture} from '../helpers/paths.js';
import {diffExplorerData, type ExplorerData} from '../../source/ui/state/data.js';
import {buildKernelDiff} from '../../source/engine/kernel-diff.js';
import {explainKey, symbolDetailLines} from '../../source/ui/state/detail-lines.js';
import {tableColumns, tableHeaderLine} from '../../source/ui/state/layout.js';
import {quitSummary} from '../../source/ui/state/summary.js';
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
const fresh = () => initialState(data.tables, data.kernels.length, {pageSize: 10, mode: 'check', kernelLabels: data.kernels.map(kernel => kernel.label)});

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
	const first = state.lists.symbols.cursor;
	state = run(state, key('', {return: true}), key('n'));
	t.not(state.lists.symbols.cursor, first);
	state = run(state, key('N'));
	t.is(state.lists.symbols.cursor, first);
	// Esc while typing goes back to where the search started.
	state = run(fresh(), key('j'), key('j'), key('/'), ...typed('strlen'));
	t.is(selectedRow(state)!.name, 'strlen');
	state = run(state, key('', {escape: true}));
	t.is(state.lists.symbols.cursor, 2);
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
	t.is(state.lists.symbols.cursor, 0);
	state = run(state, key('j'), key('', {downArrow: true}));
	t.is(state.lists.symbols.cursor, 2);
	state = run(state, key('G'));
	t.is(state.lists.symbols.cursor, 20);
	state = run(state, key('g'), key('d', {ctrl: true}));
	t.is(state.lists.symbols.cursor, 9);
	state = run(state, key('', {pageDown: true}), key('', {pageDown: true}));
	t.is(state.lists.symbols.cursor, 20);
	state = run(state, key('u', {ctrl: true}));
	t.is(state.lists.symbols.cursor, 11);
	state = run(state, key('', {home: true}));
	t.is(state.lists.symbols.cursor, 0);
});

test('Enter opens the symbol detail, Tab the kernels pane, Esc goes back', t => {
	let state = run(fresh(), key('', {return: true}));
	t.is(currentScreen(state).kind, 'symbol');
	state = run(state, key('', {escape: true}));
	t.is(currentScreen(state).kind, 'table');
	state = run(state, key('', {tab: true}), key('j'), key('', {return: true}));
	t.is(currentScreen(state).kind, 'kernel');
	t.is(state.lists.kernels.cursor, 1);
	state = run(state, key('', {escape: true}), key('', {tab: true, shift: true}));
	t.is(state.pane, 'symbols');
});

test('effects are commands with ids: export asks first (y writes, n does not), copy, quit', t => {
	let state = run(fresh(), key('e'));
	t.deepEqual(state.command, {id: 1, action: 'exportMarkdown', format: 'markdown'});
	t.is(scopeOf(state), 'confirm');
	// While asked, no other key acts: q does not quit, y is the answer (not a copy).
	state = run(state, key('q'), key('j'), key('E'));
	t.is(state.command?.id, 1);
	t.is(state.lists.symbols.cursor, 0);
	state = run(state, {type: 'confirmFile', file: '/tmp/x/kmodx-report-my_drv-1.md'}, key('y'));
	t.deepEqual(state.command, {id: 2, action: 'write', format: 'markdown', file: '/tmp/x/kmodx-report-my_drv-1.md'});
	t.is(state.confirm, undefined);
	// n and Esc: nothing written.
	for (const no of [key('n'), key('', {escape: true})]) {
		const declined = run(fresh(), key('E'), no);
		t.is(declined.command?.action, 'exportJson');
		t.is(declined.confirm, undefined);
		t.is(declined.message?.text, 'nothing written');
	}

	state = run(state, key('y'), key('q'));
	t.deepEqual(state.command, {id: 4, action: 'quit'});
	t.deepEqual(run(fresh(), key('c', {ctrl: true})).command?.action, 'quit');
	t.deepEqual(run(fresh(), key('e'), key('c', {ctrl: true})).command?.action, 'quit');
});

test('c in the module view says where causes are and what Enter does here (the kernels may have --types)', t => {
	const state = run(fresh(), key('c'));
	t.is(currentScreen(state).kind, 'table');
	t.regex(state.message!.text, /^c groups a kernel diff by cause \(kmodx -k A -k B --types …\); here Enter on a ✗ symbol shows why its CRC changed$/);
	t.notRegex(state.message!.text, /give type information/);
});

test('/ searches the kernels pane and the help; n/N stay with the list searched', t => {
	let state = run(fresh(), key('', {tab: true}), key('/'), ...typed('56'));
	t.is(state.pane, 'kernels');
	t.is(state.lists.kernels.cursor, 1);
	t.deepEqual(state.search?.matches, [1]);
	state = run(state, key('', {return: true}), key('', {tab: true}));
	t.is(state.search, undefined, 'the search ends with its list');
	// The help: rows wrapped to the width; / finds a description, g/G/End move through it.
	let help = run(fresh(), {type: 'layout', heights: {symbols: 10}, detailMax: 0, columns: 80, helpHeight: 8}, key('?'));
	const rows = helpRows(80);
	help = run(help, key('G'));
	t.is(help.helpScroll, rows.length - 8);
	help = run(help, key('g'));
	t.is(help.helpScroll, 0);
	help = run(help, key('', {end: true}));
	t.is(help.helpScroll, rows.length - 8);
	help = run(help, key('', {home: true}), key('/'), ...typed('clipboard'));
	t.is(scopeOf(help), 'search');
	const row = rows.findIndex(item => item.text.includes('clipboard'));
	t.true(row > 0);
	t.deepEqual(help.search?.matches, [row]);
	t.is(help.helpScroll, Math.min(row, rows.length - 8));
	// Esc cancels the search, back where it was; Esc again closes the help.
	help = run(help, key('', {escape: true}));
	t.is(help.helpScroll, 0);
	t.true(help.help);
	t.false(run(help, key('', {escape: true})).help);
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
	t.is(state.lists.symbols.cursor, state.view.length - 1);
});

test('each screen\'s controller has exactly the keys the key table gives that screen (effects aside: they are commands)', t => {
	const commands = new Set(['exportMarkdown', 'exportJson', 'copy', 'quit', 'confirmYes', 'confirmNo']);
	for (const [scope, handlers] of Object.entries(controllers)) {
		const documented = new Set(bindings.filter(binding => binding.scopes.includes(scope as never) && !commands.has(binding.action)).map(binding => binding.action));
		t.deepEqual(Object.keys(handlers).sort(), [...documented].sort(), scope);
	}
});

test('one key table: every binding is in the help, footer hints fit the width', t => {
	const help = helpLines().map(line => line.help);
	for (const binding of bindings) {
		t.true(help.includes(binding.help), binding.help);
	}

	for (const scope of ['symbols', 'kernels', 'detail', 'matrix', 'search', 'help', 'confirm', 'causes'] as const) {
		t.true(footerHints(scope, 80).length <= 80);
	}

	// The help fits 80 columns (cells, not code units) and wraps rather than cuts.
	for (const width of [60, 80, 120]) {
		const rows = helpRows(width);
		t.true(rows.every(row => stringWidth(row.text) <= width), String(width));
		t.is(rows.map(row => row.text.trim()).join(' ').includes('copy the symbol name (OSC 52 clipboard)'), true);
	}

	// While searching or asked to confirm, letters are not commands.
	for (const letter of ['c', 's', 'e', 'q', 'm', 'y']) {
		t.is(actionFor('search', letter, {}), undefined, letter);
	}

	t.is(actionFor('confirm', 'q', {}), undefined);
	t.is(actionFor('confirm', 'y', {}), 'confirmYes');

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
	t.is(state.lists.matrix.cursor, 0);
	state = run(state, key('', {return: true}), key('n'));
	t.is(state.lists.matrix.cursor, 3);
	state = run(state, key('n'));
	t.is(state.lists.matrix.cursor, 0);
	state = run(state, key('N'));
	t.is(state.lists.matrix.cursor, 3);
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
	t.is(problems.lists.matrix.cursor, 0);
	t.is(run(problems, key('/'), ...typed('v4l2')).lists.matrix.cursor, 0);
	t.deepEqual(run(problems, key('/'), ...typed('dummy')).search?.matches, [2]);
});

test('kernel diff with rules: m hides the unchanged exports and the tolerated changes; the rule is in the row', async t => {
	const kernels = (diff as Extract<ExplorerData, {mode: 'diff'}>).kernels;
	const {diff: judged} = await buildKernelDiff(kernels, {...flagsFor([kernel47, kernel56]), rules: fixture('kabi/kabi_stablelist_x86_64')});
	const data = diffExplorerData(kernels, judged);
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
	const start = initialState(diff.tables, kernels.length, {pageSize: 10, causes, causeKeys: ['struct module: + foo', 'struct kmem_cache: + bar']});
	const list = run(start, key('c'));
	t.is(currentScreen(list).kind, 'causes');
	t.is(list.lists.causes.cursor, 0);
	const first = run(list, key('j'), key('', {return: true}));
	t.is(currentScreen(first).kind, 'table');
	t.is(first.cause, 0);
	t.deepEqual(names(first).sort(), ['kmalloc_trace', 'misc_register', 'module_layout']);
	// Back in the list the cursor is on the cause shown; down, Enter: the next one.
	const second = run(first, key('c'), key('j'), key('', {return: true}));
	t.deepEqual(names(second), ['kmalloc_trace']);
	t.is(run(second, key('c'), key('G'), key('j')).lists.causes.cursor, 2);
	// The first entry: every export; Esc leaves the list unchanged.
	t.is(run(second, key('c'), key('g'), key('', {return: true})).view.length, 24_702);
	t.deepEqual(names(run(second, key('c'), key('g'), key('', {escape: true}))), ['kmalloc_trace']);
	// Without grouping, c says what would make it.
	const none = run(initialState(diff.tables, kernels.length, {pageSize: 10}), key('c'));
	t.regex(none.message!.text, /give type information for both kernels/);
	// Typing a search in the causes runs no command: not c, s or e of "/struct device".
	const searched = run(list, key('/'), ...typed('struct kmem'));
	t.is(searched.command, undefined);
	t.is(searched.confirm, undefined);
	t.is(currentScreen(searched).kind, 'causes');
	t.deepEqual(searched.search?.matches, [2]);
	t.is(searched.lists.causes.cursor, 2);
	const device = run(list, key('/'), ...typed('struct device'), key('', {return: true}));
	t.is(device.command, undefined);
	t.deepEqual(device.search?.matches, []);
	t.is(currentScreen(device).kind, 'causes');
	// G and End reach the last cause, g and Home the first entry.
	t.is(run(list, key('G')).lists.causes.cursor, 2);
	t.is(run(list, key('', {end: true}), key('', {home: true})).lists.causes.cursor, 0);
});

test('the grouping by cause arrives after the first frame: c shows its progress, then the list', t => {
	const kernels = (diff as Extract<ExplorerData, {mode: 'diff'}>).kernels;
	let state = initialState(diff.tables, kernels.length, {pageSize: 10, causesPending: 'grouping the CRC changes by cause'});
	state = run(state, key('c'));
	t.is(currentScreen(state).kind, 'causes');
	t.is(state.message, undefined);
	state = run(state, {type: 'causesProgress', message: '56: reading symtypes'}, key('', {escape: true}), key('j'));
	t.is(currentScreen(state).kind, 'table');
	t.is(state.lists.symbols.cursor, 1, 'the rest works meanwhile');
	state = run(state, {type: 'causesReady', causes: [new Set(['module_layout'])], keys: ['struct module: + foo']}, key('c'), key('j'), key('', {return: true}));
	t.deepEqual(names(state), ['module_layout']);
	const unavailable = run(initialState(diff.tables, kernels.length, {causesPending: 'grouping'}), {type: 'causesUnavailable', reason: 'not grouped by cause: no BTF for 56'}, key('c'));
	t.is(unavailable.message?.text, 'not grouped by cause: no BTF for 56');
});

test('the detail of a removed export says it is not in the later kernel, not that its CRC is the same', t => {
	const rows = diff.tables[0]!;
	const removed = rows.find(row => row.status === 'removed')!;
	const added = rows.find(row => row.status === 'added')!;
	const same = rows.find(row => row.status === 'ok')!;
	const text = (row: typeof removed) => symbolDetailLines(diff, 0, row, new Map(), 200).map(line => line.map(part => part.text).join('')).join('\n');
	// The kernels themselves say where the symbol is.
	const kernels = (diff as Extract<ExplorerData, {mode: 'diff'}>).kernels;
	t.truthy(kernels[0]!.exports.get(removed.name));
	t.is(kernels[1]!.exports.get(removed.name), undefined);
	t.regex(text(removed), new RegExp(`no CRC change to explain: ${removed.name} is not exported by 56 \\(only 47 has it\\)`));
	t.notRegex(text(removed), /the CRC is the same/);
	t.regex(text(added), new RegExp(`no CRC change to explain: ${added.name} is new in 56 \\(47 does not export it\\)`));
	t.regex(text(same), /nothing to explain: the CRC is the same in every kernel/);
});

test('kernel columns widen to the label when the width allows (6.1.0-47-amd64 is not cut with room to spare)', t => {
	const label = '6.1.0-47-amd64';
	const wide = tableColumns(120, 2, true, 24, stringWidth(label));
	t.is(wide.kernelWidth, label.length + 3);
	t.true(tableHeaderLine(wide, [{label, mark: '✓'}, {label: '6.1.0-56-amd64', mark: '✗'}], true).includes('✓ 6.1.0-47-amd64 ✗ 6.1.0-56-amd64'));
	// At 60 columns the names come first: the kernel columns stay at their minimum.
	t.is(tableColumns(60, 2, true, 24, stringWidth(label)).kernelWidth, 13);
});

test('q leaves one line per kernel and the reports written on the normal screen', t => {
	const lines = quitSummary(data, ['/tmp/nowhere/kmodx-report-my_drv-1.md']).split('\n');
	t.deepEqual(lines.slice(0, 2).map(line => line.replace(/ +/g, ' ')), ['✓ 47 my_drv: loads (taints: out-of-tree)', '✗ 56 my_drv: fails at module_layout (11 CRC mismatches)']);
	t.is(lines[2], 'report written: /tmp/nowhere/kmodx-report-my_drv-1.md');
	const diffLines = quitSummary(diff, []).trimEnd().split('\n');
	t.is(diffLines.length, 2);
	t.regex(diffLines[1]!, /^✗ 56 +24,\d{3} exports · \+84 −19 · 18,254 CRC changed$/);
});

test('an explanation under way never shows a negative elapsed time, even from a clock read before it started', t => {
	const row = data.tables[0]!.find(candidate => candidate.name === 'module_layout')!;
	const key = explainKey(row.name, '47', '56');
	// The ticker read 14 s before the explanation was asked for: the detail says 0 s, not -14 s.
	const since = 100_000;
	const text = symbolDetailLines(data, 0, row, new Map([[key, {status: 'loading', message: 'comparing types', since}]]), 200, since - 14_000).map(line => line.map(part => part.text).join('')).join('\n');
	t.regex(text, /… 47 → 56: comparing types \(0 s\)/);
	t.notRegex(text, /-\d+ s/);
	const later = symbolDetailLines(data, 0, row, new Map([[key, {status: 'loading', message: 'comparing types', since}]]), 200, since + 4_200).map(line => line.map(part => part.text).join('')).join('\n');
	t.regex(later, /comparing types \(4 s\)/);
});
