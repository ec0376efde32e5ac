import {existsSync} from 'node:fs';
import path from 'node:path';
import {buildDiffReport} from '../engine/diff-report.js';
import {formatDiffMarkdown} from '../views/format-diff.js';
import {formatMarkdown} from '../views/format-markdown.js';
import {writeOutput} from '../common/write-output.js';
import type {ExplainResult} from '../typediff/explanation.js';
import {knownKey, withExplanations} from '../engine/report-explanations.js';
import type {ExplorerData} from './state/data.js';
import type {ExplanationState} from './state/detail-lines.js';

/** What explains a mismatch the user did not open before exporting. */
const explorerHint = (kernel: string) => `open the symbol in the explorer (Enter on its row, kernel ${kernel}) before exporting, or run kmodx check --explain`;

export type ExportFormat = 'markdown' | 'json';

/**
The same document `kmodx check --format markdown|json` (or the piped diff) prints for these inputs,
with the whys the user already opened (`explanations`, by explainKey) reused, not recomputed.
*/
export function exportContent(data: ExplorerData, format: ExportFormat, explanations: ReadonlyMap<string, ExplanationState> = new Map()): string {
	if (data.mode === 'check') {
		const known = new Map<string, ExplainResult>();
		for (const [key, state] of explanations) {
			if (state.status === 'done') {
				const [symbol, , to] = key.split('\u0000');
				known.set(knownKey(symbol!, to!), state.result);
			}
		}

		const report = withExplanations(data.report, known, explorerHint);
		return format === 'json' ? JSON.stringify(report, null, 2) + '\n' : formatMarkdown(report);
	}

	return format === 'json' ? JSON.stringify(buildDiffReport(data.kernelDiff), null, 2) + '\n' : formatDiffMarkdown(data.kernelDiff);
}

/** kmodx-report-<name>-<n>.<ext>: the first n that does not exist; never overwrites. */
export function exportFile(directory: string, name: string, format: ExportFormat): string {
	const extension = format === 'json' ? 'json' : 'md';
	const safe = name.replaceAll(/[^\w.+-]/g, '_');
	for (let n = 1; ; n++) {
		const file = path.join(directory, `kmodx-report-${safe}-${n}.${extension}`);
		if (!existsSync(file)) {
			return file;
		}
	}
}

export function exportReport(data: ExplorerData, format: ExportFormat, directory: string, name: string, explanations?: ReadonlyMap<string, ExplanationState>): string {
	const content = exportContent(data, format, explanations);
	// A file appearing between the check and the write makes writeOutput refuse: take the next name.
	for (let attempt = 0; ; attempt++) {
		const file = exportFile(directory, name, format);
		try {
			writeOutput(file, content, {force: false});
			return file;
		} catch (error) {
			if (attempt >= 3 || !existsSync(file)) {
				throw error;
			}
		}
	}
}

/** OSC 52: the terminal (or tmux) puts the text on the clipboard, also over ssh. */
export function osc52(text: string): string {
	return `\u001B]52;c;${Buffer.from(text, 'utf8').toString('base64')}\u0007`;
}

/**
Writes the export to `file`, the name the user confirmed; should a file of that name have
appeared since, the next free name (the message then names that one). Never overwrites.
*/
export function writeExport(data: ExplorerData, format: ExportFormat, file: string | undefined, directory: string, name: string, explanations?: ReadonlyMap<string, ExplanationState>): string {
	if (file !== undefined && !existsSync(file)) {
		try {
			writeOutput(file, exportContent(data, format, explanations), {force: false});
			return file;
		} catch (error) {
			if (!existsSync(file)) {
				throw error;
			}
		}
	}

	return exportReport(data, format, directory, name, explanations);
}

/** The base of an export's file name: the module, "modules", or the kernels compared. */
export function exportName(data: ExplorerData): string {
	if (data.mode === 'check') {
		return data.report.modules.length === 1 ? data.report.modules[0]!.name : 'modules';
	}

	return `diff-${data.kernels.map(kernel => kernel.label).join('-')}`;
}

/** A path as the user would type it from here: ./name below the working directory, else absolute. */
export function shownPath(file: string): string {
	const relative = path.relative(process.cwd(), file);
	return relative.startsWith('..') || path.isAbsolute(relative) ? file : `./${relative}`;
}
