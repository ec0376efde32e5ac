import path from 'node:path';
import {useCallback, useEffect, type Dispatch} from 'react';
import {useApp, useStdout} from 'ink';
import {isTerminalSafe, terminalSafe} from '../../common/terminal-text.js';
import {exportReport, osc52} from '../export.js';
import {exitCode, type ExplorerData} from '../state/data.js';
import type {Command, ExplorerEvent, ExplorerState} from '../state/explorer-state.js';
import type {TableRow} from '../state/rows.js';
import type {ExplanationState} from '../state/detail-lines.js';

type Context = {data: ExplorerData; row: TableRow | undefined; directory: string; dispatch: Dispatch<ExplorerEvent>; explanations: ReadonlyMap<string, ExplanationState>};

/**
The effects keys ask for (quit, copy, export), run once per command: the reducer only records
them (with an id) because keys arrive in bursts faster than frames.
*/
export function useCommands(command: ExplorerState['command'], {data, row, directory, dispatch, explanations}: Context): void {
	const {exit} = useApp();
	const {stdout} = useStdout();
	const onCommand = useCallback((action: Command) => {
		switch (action) {
			case 'quit': {
				exit(exitCode(data));
				break;
			}

			case 'copy': {
				// A name with controls (a newline runs a pasted command) is never put on the clipboard.
				if (row && !isTerminalSafe(row.name)) {
					dispatch({type: 'message', text: `not copied: ${terminalSafe(row.name)} holds control or invisible characters`, tone: 'error'});
				} else if (row) {
					stdout.write(osc52(row.name));
					dispatch({type: 'message', text: `copied ${row.name} (OSC 52)`, tone: 'info'});
				}

				break;
			}

			default: {
				const format = action === 'exportJson' ? 'json' : 'markdown';
				const name = data.mode === 'check'
					? (data.report.modules.length === 1 ? data.report.modules[0]!.name : 'modules')
					: `diff-${data.kernels.map(kernel => kernel.label).join('-')}`;
				try {
					// The whys already opened go into the report as they are.
					const file = exportReport(data, format, directory, name, explanations);
					dispatch({type: 'message', text: `wrote ${path.relative(process.cwd(), file).startsWith('..') ? file : `./${path.relative(process.cwd(), file)}`}`, tone: 'info'});
				} catch (error) {
					dispatch({type: 'message', text: `export failed: ${(error as Error).message}`, tone: 'error'});
				}
			}
		}
	}, [data, row, stdout, exit, directory, dispatch, explanations]);
	const commandId = command?.id;
	useEffect(() => {
		if (command) {
			onCommand(command.action);
		}
	// Runs once per command: the id changes, nothing else should re-run it.
	// eslint-disable-next-line react-hooks/exhaustive-deps
	}, [commandId]);
}
