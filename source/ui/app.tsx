import {useEffect, useMemo, useReducer} from 'react';
import {Box} from 'ink';
import {terminalSafe} from '../common/terminal-text.js';
import {shownPath} from './export.js';
import {useCommands} from './hooks/use-commands.js';
import {useCauses} from './hooks/use-causes.js';
import {elapsedText, useTicker} from './hooks/use-ticker.js';
import {useExplanations} from './hooks/use-explanations.js';
import {useExplorerInput, type KeyPress} from './hooks/use-explorer-input.js';
import {useTerminalSize, type Size} from './hooks/use-terminal-size.js';
import {typeChangeText} from '../views/format-diff.js';
import {footerHints} from './keys.js';
import type {CausesTask, ExplainFunction, ExplorerData} from './state/data.js';
import {kernelDetailLines, kernelStripText, symbolDetailLines} from './state/detail-lines.js';
import {currentRows, currentScreen, initialState, listCursor, listOf, matrixEntries, reducer, scopeOf, selectedRow, type ExplorerState} from './state/explorer-state.js';
import {computeLayout, minColumns, minRows, tableColumns, tableHeaderLine} from './state/layout.js';
import {marks} from './state/rows.js';
import {textLength, type Line, type Theme} from './theme.js';
import {CauseList, CausesPending} from './components/cause-list.js';
import {DetailView} from './components/detail-view.js';
import {Footer} from './components/footer.js';
import {Header, headerLine} from './components/header.js';
import {HelpOverlay} from './components/help-overlay.js';
import {KernelsTable, kernelOverview} from './components/kernels-table.js';
import {KernelStrip, type StripEntry} from './components/kernel-strip.js';
import {ModuleMatrix} from './components/module-matrix.js';
import {TooSmall} from './components/status-screens.js';
import {SymbolTable} from './components/symbol-table.js';
import {maxOf} from '../common/arrays.js';

export type AppProps = {
	data: ExplorerData;
	theme: Theme;
	/** Why a CRC changed; without it the detail says what input would enable explanations. */
	explain?: ExplainFunction;
	/** Pins the terminal size (tests); otherwise stdout's, following resizes. */
	size?: Size;
	/** Where `e`/`E` write their files. */
	directory?: string;
	/** Keys pressed after the first frame but before the explorer listened (run-explorer keeps them). */
	earlyKeys?: () => KeyPress[];
	/** The grouping by cause, computed after the first frame (kernel diff). */
	causes?: CausesTask;
	/** Each report file written (run-explorer names them after the explorer closes). */
	onWritten?: (file: string) => void;
};

// eslint-disable-next-line max-lines-per-function -- the component wires state, hooks and the screens together; each part is its own hook or component already.
export function App({data, theme, explain, size: fixedSize, directory = process.cwd(), earlyKeys, causes: causesTask, onWritten}: AppProps) {
	const size = useTerminalSize(fixedSize);
	const [state, dispatch] = useReducer(reducer, data, initial => {
		const grouping = initial.mode === 'diff' ? initial.kernelDiff.grouping : undefined;
		return initialState(initial.tables, initial.kernels.length, {
			pageSize: computeLayout(size.columns, size.rows, initial.kernels.length, false).listHeight,
			columns: size.columns,
			mode: initial.mode,
			kernelLabels: initial.kernels.map(kernel => kernel.label),
			modules: initial.mode === 'check' ? matrixEntries(initial.report) : undefined,
			causes: grouping?.groups.map(group => new Set(group.exports)),
			causeKeys: grouping?.groups.map(group => `${group.type}: ${typeChangeText(group.change)}`),
			causesPending: causesTask && !grouping ? 'grouping the CRC changes by cause' : undefined,
		});
	});
	const grouping = useCauses(causesTask, data, dispatch);
	const screen = currentScreen(state);
	const detailOpen = screen.kind === 'symbol' || screen.kind === 'kernel';
	const layout = computeLayout(size.columns, size.rows, data.kernels.length, detailOpen);
	const rows = currentRows(state);
	const row = selectedRow(state);

	// Names are drawn terminal-safe (controls shown as escapes): measured the same way.
	const longest = useMemo(() => rows.reduce((max, item) => Math.max(max, textLength(terminalSafe(item.label))), 0), [rows]);
	const labelWidth = useMemo(() => maxOf(data.kernels, kernel => textLength(terminalSafe(kernel.label))), [data]);
	const columns = useMemo(() => tableColumns(layout.tableWidth, data.kernels.length, data.mode === 'check', longest, labelWidth), [layout.tableWidth, data, longest, labelWidth]);
	const strip = useMemo((): StripEntry[] => data.kernels.map((kernel, index) => ({label: kernel.label, ...kernelStripText(data, state.module, index)})), [data, state.module]);
	const tableHeader = useMemo(() => tableHeaderLine(columns, strip.map(entry => ({label: entry.label, mark: data.mode === 'check' ? (entry.state === 'bad' ? marks.bad : entry.state === 'ok' ? marks.ok : marks.unknown) : ''})), data.mode === 'check'), [columns, strip, data.mode]);
	const header = useMemo(() => headerLine(data, state.module, screen.kind === 'matrix'), [data, state.module, screen.kind]);

	const {explanations, now} = useExplanations(explain, data, row, screen.kind === 'symbol');
	const detailInner = layout.detailFull ? layout.detailWidth : layout.detailWidth - 2;
	const detailLines = useMemo((): Line[] => {
		if (screen.kind === 'symbol' && row) {
			return symbolDetailLines(data, state.module, row, explanations, detailInner, now);
		}

		if (screen.kind === 'kernel') {
			return kernelDetailLines(data, state.module, state.lists.kernels.cursor, detailInner);
		}

		return [];
	// The grouping is read from the diff once ready: `grouping` changes then.
	// eslint-disable-next-line react-hooks/exhaustive-deps
	}, [screen.kind, row, data, state.module, state.lists.kernels.cursor, explanations, detailInner, now, grouping]);

	const middleHeight = layout.height - 1 - 2;
	useEffect(() => {
		// The help's title and marks lines frame its rows; the matrix and the causes have a heading line.
		const heights = {symbols: layout.listHeight, kernels: layout.stripLines, matrix: middleHeight - 1, causes: middleHeight - 1};
		dispatch({type: 'layout', heights, detailMax: Math.max(0, detailLines.length - layout.detailHeight + 1), columns: size.columns, helpHeight: Math.max(1, middleHeight - 2)});
	}, [layout.listHeight, layout.stripLines, layout.detailHeight, detailLines.length, size.columns, middleHeight]);

	useExplorerInput(dispatch, true, earlyKeys);
	useCommands(state.command, {data, row, directory, dispatch, explanations, onWritten});
	const tick = useTicker(state.causesPending !== undefined && screen.kind === 'causes');

	if (layout.tooSmall) {
		return <TooSmall need={[minColumns, minRows]} have={[size.columns, size.rows]}/>;
	}

	const width = size.columns;
	const status = statusLine(state, data, columns.kernels, row?.name);
	const hints = footerHints(scopeOf(state), width);
	let middle;
	if (state.help) {
		middle = <HelpOverlay scroll={state.helpScroll} height={middleHeight} width={width} matches={state.search?.list === 'help' ? state.search.matches : undefined} theme={theme}/>;
	} else if (state.overview) {
		middle = <KernelsTable rows={kernelOverview(data.kernels, strip)} height={middleHeight} width={width} theme={theme}/>;
	} else if (screen.kind === 'causes' && state.causesPending) {
		middle = <CausesPending message={state.causesPending.message} elapsed={elapsedText(tick, state.causesPending.since)} height={middleHeight} width={width} theme={theme}/>;
	} else if (screen.kind === 'causes' && grouping) {
		middle = <CauseList grouping={grouping} total={currentRows(state).length} list={state.lists.causes} height={middleHeight} width={width} theme={theme}/>;
	} else if (screen.kind === 'matrix' && data.mode === 'check') {
		middle = <ModuleMatrix report={data.report} view={state.matrixView} list={state.lists.matrix} height={middleHeight} width={width} theme={theme}/>;
	} else if (layout.detailFull) {
		middle = <DetailView lines={detailLines} scroll={state.detailScroll} height={layout.detailHeight} width={width} border={false} theme={theme}/>;
	} else {
		middle = (
			<Box flexDirection="row" width={width} height={middleHeight}>
				<Box flexDirection="column" width={layout.tableWidth} height={middleHeight}>
					<KernelStrip entries={strip} list={state.lists.kernels} height={layout.stripLines} width={layout.tableWidth} focused={state.pane === 'kernels' && !detailOpen} theme={theme}/>
					<SymbolTable rows={rows} view={state.view} cursor={state.lists.symbols.cursor} top={state.lists.symbols.top} height={layout.listHeight} width={layout.tableWidth} columns={columns} header={tableHeader} focused={state.pane === 'symbols' && !detailOpen} theme={theme}/>
				</Box>
				{detailOpen ? <DetailView lines={detailLines} scroll={state.detailScroll} height={layout.detailHeight} width={layout.detailWidth} border theme={theme}/> : null}
			</Box>
		);
	}

	return (
		<Box flexDirection="column" width={width} height={layout.height} overflow="hidden">
			<Header line={header} width={width} theme={theme}/>
			{middle}
			<Footer status={status} hints={hints} width={width} theme={theme}/>
		</Box>
	);
}

function statusLine(state: ExplorerState, data: ExplorerData, shownKernels: number, symbol: string | undefined): Line {
	const screen = currentScreen(state);
	const line: Line = [];
	if (screen.kind === 'matrix') {
		line.push({text: `${state.matrixView.length === 0 ? 0 : state.lists.matrix.cursor + 1} of ${state.matrixView.length} modules`});
		if (state.matrixProblemsOnly) {
			line.push({text: ` · problems only (${state.tables.length - state.matrixView.length} of ${state.tables.length} hidden)`, tone: 'warn'});
		}
	} else if (screen.kind === 'causes') {
		if (state.causesPending) {
			line.push({text: 'grouping by cause', tone: 'bold'}, {text: ' · Esc goes back: everything else works meanwhile', tone: 'dim'});
		} else {
			line.push({text: state.lists.causes.cursor === 0 ? 'every export' : `cause ${state.lists.causes.cursor} of ${state.causes.length}`, tone: 'bold'}, {text: ' · Enter shows its exports', tone: 'dim'});
		}
	} else if (screen.kind === 'symbol') {
		line.push({text: symbol ?? '', tone: 'bold'}, {text: ` · ${state.lists.symbols.cursor + 1} of ${state.view.length}`});
	} else if (screen.kind === 'kernel') {
		line.push({text: `kernel ${data.kernels[state.lists.kernels.cursor]?.label ?? ''}`, tone: 'bold'}, {text: ` · ${state.lists.kernels.cursor + 1} of ${data.kernels.length}`});
	} else {
		const total = currentRows(state).length;
		line.push({text: `${state.view.length === 0 ? 0 : state.lists.symbols.cursor + 1} of ${state.view.length}`, tone: 'bold'});
		if (state.problemsOnly) {
			const judged = data.mode === 'diff' && data.kernelDiff.judged ? ', tolerated by the rules too' : '';
			line.push({text: ` · problems only (${total - state.view.length} of ${total} hidden${judged})`, tone: 'warn'});
		}

		const cause = state.cause === undefined || data.mode !== 'diff' ? undefined : data.kernelDiff.grouping?.groups[state.cause];
		if (cause) {
			line.push({text: ` · cause ${state.cause! + 1}/${state.causes.length}: ${cause.type}: ${typeChangeText(cause.change)} (c: all causes)`, tone: 'accent'});
		}

		line.push({text: ` · sort ${state.sort} ${state.reverse ? '↑' : '↓'}`, tone: 'dim'});
		if (shownKernels < data.kernels.length) {
			line.push({text: ` · ${data.kernels.length - shownKernels} kernel columns hidden (widen)`, tone: 'dim'});
		}
	}

	if (state.message) {
		// Right after the position: the one thing that must not be cut on a narrow terminal.
		line.splice(1, 0, {text: ` · ${state.message.text}`, tone: state.message.tone === 'error' ? 'bad' : 'good'});
	}

	if (state.confirm) {
		// The question replaces everything: nothing else answers until y or n.
		const file = state.confirm.file === undefined ? '…' : shownPath(state.confirm.file);
		return [{text: `write the ${state.confirm.format === 'json' ? 'JSON' : 'Markdown'} report to ${file}? `, tone: 'accent'}, {text: 'y/n', tone: 'dim'}];
	}

	if (state.search && state.search.list === listOf(state)) {
		const {query, matches, editing} = state.search;
		// In the help the scroll stops at its end: the match is the one on screen.
		const at = state.search.list === 'help'
			? matches.findIndex(position => position >= state.helpScroll && position < state.helpScroll + state.helpHeight)
			: matches.indexOf(listCursor(state, state.search.list));
		const count = matches.length === 0 ? 'no match' : at === -1 ? `${matches.length} matches` : `${at + 1}/${matches.length}`;
		line.push({text: ` · /${query}${editing ? '▏' : ''} `, tone: 'accent'}, {text: count, tone: matches.length === 0 ? 'bad' : 'dim'});
	}

	return line;
}
