import {existsSync} from 'node:fs';
import path from 'node:path';
import {buildDiffReport, formatDiffMarkdown} from '../report/diff-report.js';
import {formatMarkdown} from '../report/format-markdown.js';
import {writeOutput} from '../report/write-output.js';
import type {ExplorerData} from './state/data.js';

export type ExportFormat = 'markdown' | 'json';

/** The same document `kmodx check --format markdown|json` (or the piped diff) prints for these inputs. */
export function exportContent(data: ExplorerData, format: ExportFormat): string {
	if (data.mode === 'check') {
		return format === 'json' ? JSON.stringify(data.report, null, 2) + '\n' : formatMarkdown(data.report);
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

export function exportReport(data: ExplorerData, format: ExportFormat, directory: string, name: string): string {
	const content = exportContent(data, format);
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
export function writeExport(data: ExplorerData, format: ExportFormat, file: string | undefined, directory: string, name: string): string {
	if (file !== undefined && !existsSync(file)) {
		try {
			writeOutput(file, exportContent(data, format), {force: false});
			return file;
		} catch (error) {
			if (!existsSync(file)) {
				throw error;
			}
		}
	}

	return exportReport(data, format, directory, name);
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
