import type {Key} from 'ink';
import {actionFor, helpRows, type Action, type Scope} from '../keys.js';
import {listState, placeCursor, type ListState} from './list-state.js';
import {statusRank, type TableRow} from './rows.js';

export type SortKey = 'status' | 'name' | 'exporter';
const sortKeys: SortKey[] = ['status', 'name', 'exporter'];

export type Screen =
	| {kind: 'matrix'}
	| {kind: 'causes'}
	| {kind: 'table'}
	| {kind: 'symbol'}
	| {kind: 'kernel'};

/** The lists `/` searches: whatever has the focus. */
export type ListKind = ListName | 'help';
/** The lists with a cursor (the help only scrolls). */
export type ListName = 'matrix' | 'symbols' | 'kernels' | 'causes';

export type Search = {
	/** The list it searches: a search never outlives the list it was typed in. */
	list: ListKind;
	editing: boolean;
	query: string;
	/** Cursor when `/` was pressed: Esc while typing goes back there. */
	origin: number;
	/** Positions in the list (symbols: in `view`; the matrix: in `matrixView`; help: its rows) whose text contains the query. */
	matches: number[];
};

/** A module of the matrix, as search and the problems filter see it. */
export type MatrixEntry = {name: string; key: string; ok: boolean};

/** The matrix's entries of a check report: each module's name, and whether it loads on every kernel. */
export function matrixEntries(report: {modules: ReadonlyArray<{name: string; results: ReadonlyArray<{verdict: string}>}>}): MatrixEntry[] {
	return report.modules.map(module => ({name: module.name, key: module.name.toLowerCase(), ok: module.results.every(result => result.verdict === 'loads')}));
}

/**
The whole explorer state. Pure data: the reducer below is the only thing that changes it,
so every key's effect can be tested without a terminal.
*/
export type ExplorerState = {
	/** Symbol rows per module (one entry in kernel-vs-kernel mode). */
	tables: ReadonlyArray<readonly TableRow[]>;
	module: number;
	kernelCount: number;
	/** The kernels' labels, lower-cased: what `/` searches in the kernels pane. */
	kernelKeys: readonly string[];
	/** Check mode (modules against kernels) or the kernel-vs-kernel diff: `c` exists only there. */
	mode: 'check' | 'diff';
	stack: Screen[];
	pane: 'symbols' | 'kernels';
	/** Each list's cursor and window: the symbols in `view`, the matrix in `matrixView`, the causes with "every export" first. */
	lists: Record<ListName, ListState>;
	/** Positions each list shows at once (set from the layout): a page, and how far its window follows the cursor. */
	heights: Record<ListName, number>;
	/** The modules of the matrix (several modules), and the positions the matrix shows after its filter. */
	matrix: readonly MatrixEntry[];
	matrixView: number[];
	/** `m` on the matrix: only modules that do not load on every kernel. */
	matrixProblemsOnly: boolean;
	/** Indices into the current table after filter and sort: what the list shows. */
	view: number[];
	problemsOnly: boolean;
	/** Kernel diff grouped by cause: the exports of each type change (largest first), and the one shown (`c`). */
	causes: ReadonlyArray<ReadonlySet<string>>;
	/** Each cause as the list shows it ("struct device: + foo"), lower-cased for search. */
	causeKeys: readonly string[];
	/**
	The grouping by cause is computed after the first frame: while it runs, what it is doing and
	since when (the causes screen shows it); when it found none, why (`c` says so).
	*/
	causesPending: {message: string; since: number} | undefined;
	causesUnavailable: string | undefined;
	cause: number | undefined;
	sort: SortKey;
	reverse: boolean;
	search: Search | undefined;
	help: boolean;
	/** The kernels table (K) is shown over the lists. */
	overview: boolean;
	/** First help row shown; the rows are wrapped to `columns`. */
	helpScroll: number;
	columns: number;
	/** Help rows on one screen: the scroll stops where the last row shows. */
	helpHeight: number;
	/** `e`/`E` asked to write a file: the next key says yes or no. `file` once the name is known. */
	confirm: {format: 'markdown' | 'json'; file: string | undefined} | undefined;
	detailScroll: number;
	/** The longest scroll of the detail; set from the layout. */
	detailMax: number;
	message: {text: string; tone: 'info' | 'error'} | undefined;
	/**
	The last effect asked for (export, copy, quit): the app runs it when `id` changes. Kept in
	the state because keys arrive in bursts (a paste, tmux send-keys) faster than frames, and
	each must be interpreted in the state the previous one left.
	*/
	command: {id: number; action: Command; format?: 'markdown' | 'json'; file?: string} | undefined;
};

/** `write`: the confirmed export; `exportMarkdown`/`exportJson` only find the file name to ask about. */
export type Command = Extract<Action, 'exportMarkdown' | 'exportJson' | 'copy' | 'quit'> | 'write';
const commands = new Set<Action>(['exportMarkdown', 'exportJson', 'copy', 'quit']);

export type ExplorerEvent =
	| {type: 'input'; input: string; key: Partial<Key>}
	| {type: 'key'; action: Action}
	| {type: 'type'; text: string}
	| {type: 'layout'; heights: Partial<Record<ListName, number>>; detailMax: number; columns?: number; helpHeight?: number}
	| {type: 'message'; text: string; tone: 'info' | 'error'}
	| {type: 'confirmFile'; file: string}
	| {type: 'causesProgress'; message: string}
	| {type: 'causesReady'; causes: ReadonlyArray<ReadonlySet<string>>; keys: readonly string[]}
	| {type: 'causesUnavailable'; reason: string};

export type InitialOptions = {
	pageSize?: number;
	columns?: number;
	modules?: MatrixEntry[];
	causes?: ReadonlyArray<ReadonlySet<string>>;
	causeKeys?: readonly string[];
	/** The grouping by cause runs in the background: its first message. */
	causesPending?: string;
	kernelLabels?: readonly string[];
	mode?: 'check' | 'diff';
};

export function initialState(tables: ReadonlyArray<readonly TableRow[]>, kernelCount: number, options: InitialOptions = {}): ExplorerState {
	const matrix = tables.length > 1;
	const pageSize = options.pageSize ?? 10;
	const entries = options.modules ?? tables.map((rows, index) => ({name: `module ${index + 1}`, key: `module ${index + 1}`, ok: rows.every(row => row.status === 'ok')}));
	const state: ExplorerState = {
		tables,
		module: 0,
		kernelCount,
		kernelKeys: (options.kernelLabels ?? Array.from({length: kernelCount}, (_, index) => `kernel ${index + 1}`)).map(label => label.toLowerCase()),
		mode: options.mode ?? 'diff',
		stack: matrix ? [{kind: 'matrix'}] : [{kind: 'table'}],
		pane: 'symbols',
		// The symbols' length is set below, once the view is computed.
		lists: {matrix: listState(entries.length), symbols: listState(0), kernels: listState(kernelCount), causes: listState((options.causes?.length ?? 0) + 1)},
		heights: {matrix: pageSize, symbols: pageSize, kernels: pageSize, causes: pageSize},
		matrix: entries,
		matrixView: entries.map((_, index) => index),
		matrixProblemsOnly: false,
		view: [],
		problemsOnly: false,
		causes: options.causes ?? [],
		causeKeys: options.causeKeys ?? (options.causes ?? []).map((_, index) => `cause ${index + 1}`),
		causesPending: options.causesPending === undefined ? undefined : {message: options.causesPending, since: performance.now()},
		causesUnavailable: undefined,
		cause: undefined,
		sort: 'status',
		reverse: false,
		search: undefined,
		help: false,
		overview: false,
		helpScroll: 0,
		columns: options.columns ?? 80,
		helpHeight: 10,
		confirm: undefined,
		detailScroll: 0,
		detailMax: 0,
		message: undefined,
		command: undefined,
	};
	const view = computeView(state);
	return {...state, view, lists: {...state.lists, symbols: listState(view.length)}};
}

export const currentScreen = (state: ExplorerState): Screen => state.stack.at(-1) ?? {kind: 'table'};
export const currentRows = (state: ExplorerState): readonly TableRow[] => state.tables[state.module] ?? [];
export const selectedRow = (state: ExplorerState): TableRow | undefined => {
	const index = state.view[state.lists.symbols.cursor];
	return index === undefined ? undefined : currentRows(state)[index];
};

/** Filter ("problems only") then a stable sort; ties keep the source order. */
export function computeView(state: Pick<ExplorerState, 'tables' | 'module' | 'problemsOnly' | 'sort' | 'reverse' | 'causes' | 'cause'>): number[] {
	const rows = state.tables[state.module] ?? [];
	const view: number[] = [];
	const cause = state.cause === undefined ? undefined : state.causes[state.cause];
	for (let index = 0; index < rows.length; index++) {
		// With kABI rules, a tolerated change is no problem.
		const problem = rows[index]!.status !== 'ok' && rows[index]!.decision?.tolerated !== true;
		if ((!state.problemsOnly || problem) && (!cause || cause.has(rows[index]!.name))) {
			view.push(index);
		}
	}

	const compare = comparators[state.sort];
	view.sort((a, b) => compare(rows[a]!, rows[b]!) || a - b);

	if (state.reverse) {
		view.reverse();
	}

	return view;
}

/** By what the table shows (a Rust symbol by its demangled name). */
const byName = (a: TableRow, b: TableRow) => (a.label < b.label ? -1 : a.label > b.label ? 1 : 0);
const comparators: Record<SortKey, (a: TableRow, b: TableRow) => number> = {
	status: (a, b) => statusRank[a.status] - statusRank[b.status] || a.priority - b.priority,
	name: byName,
	exporter: (a, b) => (a.exporter < b.exporter ? -1 : a.exporter > b.exporter ? 1 : 0) || byName(a, b),
};

/** The list that has the focus, if any (a detail is no list). */
export function listOf(state: ExplorerState): ListKind | undefined {
	if (state.help) {
		return 'help';
	}

	const screen = currentScreen(state).kind;
	if (screen === 'matrix' || screen === 'causes') {
		return screen;
	}

	return screen === 'table' ? state.pane : undefined;
}

/** Each position of a list as search sees it (lower-case), read lazily: the symbol list has 25,000. */
function listKeys(state: ExplorerState, list: ListKind): {length: number; key: (position: number) => string} {
	switch (list) {
		case 'matrix': {
			return {length: state.matrixView.length, key: position => state.matrix[state.matrixView[position]!]!.key};
		}

		case 'symbols': {
			const rows = currentRows(state);
			return {length: state.view.length, key: position => rows[state.view[position]!]!.key};
		}

		case 'kernels': {
			return {length: state.kernelKeys.length, key: position => state.kernelKeys[position]!};
		}

		case 'causes': {
			// Position 0 is "every export".
			return {length: state.causeKeys.length + 1, key: position => (position === 0 ? 'every export' : state.causeKeys[position - 1]!)};
		}

		case 'help': {
			const rows = helpRows(state.columns);
			return {length: rows.length, key: position => rows[position]!.text.toLowerCase()};
		}
	}
}

export function listCursor(state: ExplorerState, list: ListKind): number {
	return list === 'help' ? state.helpScroll : state.lists[list].cursor;
}

/** The one movement of a list: its cursor to `position`, its window after it; `length` when the list changed. */
function moveList(state: ExplorerState, list: ListName, position: number, length?: number): ExplorerState {
	return {...state, lists: {...state.lists, [list]: placeCursor(state.lists[list], position, state.heights[list], length)}};
}

/** The help's last scroll position: its last row at the bottom of the screen. */
const helpMax = (columns: number, height: number) => Math.max(0, helpRows(columns).length - height);

function withListCursor(state: ExplorerState, list: ListKind, position: number): ExplorerState {
	if (list === 'help') {
		return {...state, helpScroll: Math.min(position, helpMax(state.columns, state.helpHeight))};
	}

	return moveList(state, list, position);
}

function findMatches(state: ExplorerState, query: string, list: ListKind | undefined = state.search?.list ?? listOf(state)): number[] {
	if (query === '' || list === undefined) {
		return [];
	}

	const needle = query.toLowerCase();
	const {length, key} = listKeys(state, list);
	const found: number[] = [];
	for (let position = 0; position < length; position++) {
		if (key(position).includes(needle)) {
			found.push(position);
		}
	}

	return found;
}

/** First match at or after `from`, wrapping around; `from` itself when nothing matches. */
function matchFrom(matches: number[], from: number, direction: 1 | -1): number | undefined {
	if (matches.length === 0) {
		return undefined;
	}

	if (direction === 1) {
		return matches.find(position => position >= from) ?? matches[0];
	}

	return [...matches].reverse().find(position => position <= from) ?? matches.at(-1);
}

const clamp = (value: number, low: number, high: number) => Math.max(low, Math.min(high, value));

/** Keeps the selected row selected across re-filtering and re-sorting. */
function reView(state: ExplorerState, changes: Partial<ExplorerState>): ExplorerState {
	const next = {...state, ...changes};
	const selected = state.view[state.lists.symbols.cursor];
	const view = computeView(next);
	let cursor = selected === undefined ? 0 : view.indexOf(selected);
	if (cursor === -1) {
		// The selected row was filtered out: stay near where it was.
		cursor = state.lists.symbols.cursor;
	}

	const search = next.search && {...next.search, matches: []};
	const result = moveList({...next, view}, 'symbols', cursor, view.length);
	return search ? {...result, search: {...search, matches: findMatches(result, search.query)}} : result;
}

export function reducer(state: ExplorerState, event: ExplorerEvent): ExplorerState {
	switch (event.type) {
		case 'layout': {
			const columns = event.columns ?? state.columns;
			const helpHeight = event.helpHeight ?? state.helpHeight;
			const heights = {...state.heights, ...event.heights};
			const same = (Object.keys(heights) as ListName[]).every(list => heights[list] === state.heights[list]);
			if (same && state.detailMax === event.detailMax && state.columns === columns && state.helpHeight === helpHeight) {
				return state;
			}

			// Each window follows its cursor again at its new height.
			let next: ExplorerState = {...state, heights, detailMax: event.detailMax, detailScroll: Math.min(state.detailScroll, event.detailMax), columns, helpHeight, helpScroll: Math.min(state.helpScroll, helpMax(columns, helpHeight))};
			for (const list of Object.keys(heights) as ListName[]) {
				next = moveList(next, list, next.lists[list].cursor);
			}

			return next;
		}

		case 'message': {
			return {...state, message: {text: event.text, tone: event.tone}};
		}

		case 'confirmFile': {
			return state.confirm ? {...state, confirm: {...state.confirm, file: event.file}} : state;
		}

		case 'causesProgress': {
			return state.causesPending ? {...state, causesPending: {...state.causesPending, message: event.message}} : state;
		}

		case 'causesReady': {
			return moveList({...state, causes: event.causes, causeKeys: event.keys.map(key => key.toLowerCase()), causesPending: undefined}, 'causes', state.lists.causes.cursor, event.causes.length + 1);
		}

		case 'causesUnavailable': {
			return {...state, causesPending: undefined, causesUnavailable: event.reason};
		}

		case 'type': {
			if (!state.search?.editing) {
				return state;
			}

			return typeQuery(state, state.search.query + event.text);
		}

		case 'input': {
			const scope = scopeOf(state);
			const action = actionFor(scope, event.input, event.key);
			if (action === undefined) {
				const printable = event.input !== '' && !event.key.ctrl && !event.key.meta;
				return scope === 'search' && printable ? typeQuery(state, state.search!.query + event.input) : state;
			}

			if (action === 'exportMarkdown' || action === 'exportJson') {
				// Asked in the state at once: a y typed right after e must answer, not copy.
				const format = action === 'exportJson' ? 'json' : 'markdown';
				return {...state, message: undefined, confirm: {format, file: undefined}, command: {id: (state.command?.id ?? 0) + 1, action, format}};
			}

			if (action === 'confirmYes' && state.confirm) {
				const {format, file} = state.confirm;
				return {...state, confirm: undefined, command: {id: (state.command?.id ?? 0) + 1, action: 'write', format, ...(file !== undefined && {file})}};
			}

			if (action === 'confirmNo') {
				return {...state, confirm: undefined, message: {text: 'nothing written', tone: 'info'}};
			}

			if (commands.has(action)) {
				return {...state, message: undefined, command: {id: (state.command?.id ?? 0) + 1, action: action as Command}};
			}

			return reducer(state, {type: 'key', action});
		}

		case 'key': {
			// A message stays until the next key.
			const next = state.message ? {...state, message: undefined} : state;
			return onKey(next, event.action);
		}
	}
}

function typeQuery(state: ExplorerState, query: string): ExplorerState {
	const search = state.search!;
	const matches = findMatches(state, query, search.list);
	const cursor = matchFrom(matches, search.origin, 1) ?? search.origin;
	return withListCursor({...state, search: {...search, query, matches}}, search.list, cursor);
}

/** The matrix's positions: every module, or (`m`) those that do not load on every kernel. */
function matrixViewOf(entries: readonly MatrixEntry[], problemsOnly: boolean): number[] {
	const view: number[] = [];
	for (const [index, entry] of entries.entries()) {
		if (!problemsOnly || !entry.ok) {
			view.push(index);
		}
	}

	return view;
}

/** The matrix filtered anew; the selected module stays selected when it is still shown. */
function reMatrix(state: ExplorerState, problemsOnly: boolean): ExplorerState {
	const selected = state.matrixView[state.lists.matrix.cursor];
	const matrixView = matrixViewOf(state.matrix, problemsOnly);
	let cursor = selected === undefined ? 0 : matrixView.indexOf(selected);
	if (cursor === -1) {
		cursor = state.lists.matrix.cursor;
	}

	const next = moveList({...state, matrixProblemsOnly: problemsOnly, matrixView}, 'matrix', cursor, matrixView.length);
	return next.search ? {...next, search: {...next.search, matches: findMatches(next, next.search.query)}} : next;
}

const big = 1e9;

/**
Up, down, a page, to either end, in whatever has the focus: the help and a detail scroll, a list
moves its cursor (its page is its height, less one line kept for context).
*/
function moveBy(state: ExplorerState, action: Action): ExplorerState {
	const list = listOf(state);
	const height = list === undefined || list === 'help' ? state.heights.symbols : state.heights[list];
	const page = Math.max(1, height - 1);
	const steps: Partial<Record<Action, number>> = {up: -1, down: 1, pageUp: -page, pageDown: page, home: -big, end: big};
	const step = steps[action] ?? 0;
	if (list === 'help') {
		return {...state, helpScroll: clamp(state.helpScroll + step, 0, helpMax(state.columns, state.helpHeight))};
	}

	if (list === undefined) {
		return {...state, detailScroll: clamp(state.detailScroll + step, 0, state.detailMax)};
	}

	return moveList(state, list, clamp(state.lists[list].cursor + step, 0, big));
}

/** Enter: a module of the matrix, a cause's exports, or the detail of a symbol or kernel. */
function open(state: ExplorerState): ExplorerState {
	const screen = currentScreen(state);
	if (screen.kind === 'matrix') {
		const module = state.matrixView[state.lists.matrix.cursor];
		if (module === undefined) {
			return state;
		}

		const base = {...state, module, stack: [...state.stack, {kind: 'table'} as Screen], search: undefined, pane: 'symbols' as const};
		const view = computeView(base);
		return {...base, view, lists: {...base.lists, symbols: listState(view.length)}};
	}

	if (screen.kind === 'causes') {
		// The table shows that cause's exports (or every export again), first row selected.
		const cause = state.lists.causes.cursor === 0 ? undefined : state.lists.causes.cursor - 1;
		return moveList(reView({...state, stack: state.stack.slice(0, -1), search: undefined}, {cause, pane: 'symbols'}), 'symbols', 0);
	}

	if (screen.kind !== 'table') {
		return state;
	}

	if (state.pane === 'kernels') {
		return {...state, stack: [...state.stack, {kind: 'kernel'}], detailScroll: 0};
	}

	return selectedRow(state) ? {...state, stack: [...state.stack, {kind: 'symbol'}], detailScroll: 0} : state;
}

/** Esc: closes the help, then clears the search, then goes back a screen. */
function back(state: ExplorerState): ExplorerState {
	if (state.help) {
		return {...state, help: false, search: state.search?.list === 'help' ? undefined : state.search};
	}

	if (state.overview) {
		return {...state, overview: false};
	}

	if (state.search && state.search.list === listOf(state)) {
		return {...state, search: undefined};
	}

	return state.stack.length > 1 ? {...state, stack: state.stack.slice(0, -1)} : state;
}

function onSearchKey(state: ExplorerState, action: Action): ExplorerState {
	switch (action) {
		case 'search': {
			const list = listOf(state);
			return list === undefined ? state : {...state, search: {list, editing: true, query: '', origin: listCursor(state, list), matches: []}};
		}

		case 'searchDelete': {
			return state.search ? typeQuery(state, state.search.query.slice(0, -1)) : state;
		}

		case 'searchAccept': {
			return state.search ? {...state, search: state.search.query === '' ? undefined : {...state.search, editing: false}} : state;
		}

		case 'searchCancel': {
			return state.search ? withListCursor({...state, search: undefined}, state.search.list, state.search.origin) : state;
		}

		case 'searchNext':
		case 'searchPrev': {
			// n and N belong to the list the search was typed in.
			if (!state.search || state.search.list !== listOf(state)) {
				return state;
			}

			if (state.search.matches.length === 0) {
				return {...state, message: {text: `no match for /${state.search.query}`, tone: 'error'}};
			}

			const forward = action === 'searchNext';
			const position = matchFrom(state.search.matches, listCursor(state, state.search.list) + (forward ? 1 : -1), forward ? 1 : -1)!;
			return withListCursor(state, state.search.list, position);
		}

		default: {
			return state;
		}
	}
}

/** What a key does on a screen: the state it leaves. */
type Handler = (state: ExplorerState, action: Action) => ExplorerState;

const moves: Partial<Record<Action, Handler>> = {up: moveBy, down: moveBy, pageUp: moveBy, pageDown: moveBy, home: moveBy, end: moveBy};
const searches: Partial<Record<Action, Handler>> = {search: onSearchKey, searchNext: onSearchKey, searchPrev: onSearchKey};
const leaving: Partial<Record<Action, Handler>> = {
	back,
	help: state => ({...state, help: !state.help, helpScroll: 0, search: state.search?.list === 'help' || !state.help ? undefined : state.search}),
};
const overview: Handler = state => ({...state, overview: !state.overview, help: false});

/** The symbols and kernels panes of a module's (or the kernel diff's) table share their keys. */
const table: Partial<Record<Action, Handler>> = {
	...moves,
	...searches,
	...leaving,
	kernelsTable: overview,
	open,
	nextPane: state => ({...state, pane: state.pane === 'symbols' ? 'kernels' : 'symbols', search: undefined}),
	prevPane: state => ({...state, pane: state.pane === 'symbols' ? 'kernels' : 'symbols', search: undefined}),
	problemsOnly: state => reView(state, {problemsOnly: !state.problemsOnly}),
	sort: state => reView(state, {sort: sortKeys[(sortKeys.indexOf(state.sort) + 1) % sortKeys.length]!, reverse: false}),
	reverse: state => reView(state, {reverse: !state.reverse}),
	causes: openCauses,
};

/**
Each screen's keys and what they do, as lazygit's controllers have them: the key table
(keys.ts) says which keys a scope has and documents them, this says what each does there; a
test holds the two to the same keys. Effects (export, copy, quit, the answer to "write?") are
commands, run outside the reducer: no scope has them here.
*/
export const controllers: Record<Scope, Partial<Record<Action, Handler>>> = {
	matrix: {...moves, ...searches, ...leaving, kernelsTable: overview, open, problemsOnly: state => reMatrix(state, !state.matrixProblemsOnly)},
	symbols: table,
	kernels: table,
	causes: {...moves, ...searches, ...leaving, kernelsTable: overview, open},
	detail: {...moves, ...leaving, kernelsTable: overview},
	help: {...moves, ...searches, ...leaving},
	overview: {...leaving, kernelsTable: overview},
	search: {searchAccept: onSearchKey, searchCancel: onSearchKey, searchDelete: onSearchKey},
	confirm: {},
};

function onKey(state: ExplorerState, action: Action): ExplorerState {
	return controllers[scopeOf(state)][action]?.(state, action) ?? state;
}

/** `c`: the causes screen, on the cause shown (or "every export"); says why not where there is none. */
function openCauses(state: ExplorerState): ExplorerState {
	if (state.mode === 'check') {
		return {...state, message: {text: 'c groups a kernel diff by cause (kmodx -k A -k B --types …); here Enter on a ✗ symbol shows why its CRC changed', tone: 'error'}};
	}

	if (state.causes.length === 0 && !state.causesPending) {
		return {...state, message: {text: state.causesUnavailable ?? 'no changes grouped by cause: give type information for both kernels (--types LABEL=PATH: BTF or a symtypes tree)', tone: 'error'}};
	}

	return moveList({...state, stack: [...state.stack, {kind: 'causes'}], search: undefined}, 'causes', state.cause === undefined ? 0 : state.cause + 1);
}

/** Which key table scope applies now. */
export function scopeOf(state: ExplorerState): Scope {
	if (state.confirm) {
		return 'confirm';
	}

	if (state.search?.editing) {
		return 'search';
	}

	if (state.help) {
		return 'help';
	}

	if (state.overview) {
		return 'overview';
	}

	const screen = currentScreen(state);
	switch (screen.kind) {
		case 'matrix': {
			return 'matrix';
		}

		case 'causes': {
			return 'causes';
		}

		case 'symbol':
		case 'kernel': {
			return 'detail';
		}

		default: {
			return state.pane;
		}
	}
}
