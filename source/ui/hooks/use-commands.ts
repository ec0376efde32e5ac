import {useCallback, useEffect, type Dispatch} from 'react';
import {useApp, useStdout} from 'ink';
import {isTerminalSafe, terminalSafe} from '../../common/terminal-text.js';
import {exportFile, exportName, osc52, shownPath, writeExport} from '../export.js';
import {exitCode, type ExplorerData} from '../state/data.js';
import type {ExplorerEvent, ExplorerState} from '../state/explorer-state.js';
import type {TableRow} from '../state/rows.js';
import type {ExplanationState} from '../state/detail-lines.js';

type Context = {
	data: ExplorerData;
	row: TableRow | undefined;
	directory: string;
	dispatch: Dispatch<ExplorerEvent>;
	/** The whys already opened: the export carries them as they are. */
	explanations: ReadonlyMap<string, ExplanationState>;
	/** Told each file written, for the summary printed after the explorer closes. */
	onWritten?: (file: string) => void;
};

/**
The effects keys ask for (quit, copy, export), run once per command: the reducer only records
them (with an id) because keys arrive in bursts faster than frames.
*/
export function useCommands(command: ExplorerState['command'], {data, row, directory, dispatch, explanations, onWritten}: Context): void {
	const {exit} = useApp();
	const {stdout} = useStdout();
	const onCommand = useCallback((current: NonNullable<ExplorerState['command']>) => {
		switch (current.action) {
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

			case 'exportMarkdown':
			case 'exportJson': {
				// The question names the file: the first free name, found now.
				dispatch({type: 'confirmFile', file: exportFile(directory, exportName(data), current.format ?? 'markdown')});
				break;
			}

			case 'write': {
				try {
					const file = writeExport(data, current.format ?? 'markdown', current.file, directory, exportName(data), explanations);
					onWritten?.(file);
					dispatch({type: 'message', text: `wrote ${shownPath(file)}`, tone: 'info'});
				} catch (error) {
					dispatch({type: 'message', text: `export failed: ${(error as Error).message}`, tone: 'error'});
				}
			}
		}
	}, [data, row, stdout, exit, directory, dispatch, explanations, onWritten]);
	const commandId = command?.id;
	useEffect(() => {
		if (command) {
			onCommand(command);
		}
	// Runs once per command: the id changes, nothing else should re-run it.
	// eslint-disable-next-line react-hooks/exhaustive-deps
	}, [commandId]);
}
