import {terminalSafe} from '../../common/terminal-text.js';
import {cellWidth} from '../../common/text-cells.js';
import {shownPath} from '../export.js';
import type {ExplorerData} from './data.js';
import {kernelStripText} from './detail-lines.js';
import {marks} from './rows.js';
import {maxOf} from '../../common/arrays.js';

const stripMarks = {ok: marks.ok, bad: marks.bad, warn: marks.unknown, none: '•'} as const;

/**
What stays on the normal screen after `q`: one line per kernel (its verdict, as the kernel strip
says it; with several modules, how many do not load), then each report file written. Names come
from input files: terminal-safe.
*/
export function quitSummary(data: ExplorerData, written: readonly string[]): string {
	// Labels are measured as the terminal shows them: in cells, escaped.
	const cells = (label: string) => cellWidth(terminalSafe(label));
	const width = maxOf(data.kernels, kernel => cells(kernel.label));
	const pad = (label: string) => label + ' '.repeat(width - cells(label));
	const lines: string[] = [];
	if (data.mode === 'check' && data.report.modules.length > 1) {
		for (const [index, kernel] of data.kernels.entries()) {
			const results = data.report.modules.map(module => ({module: module.name, verdict: module.results[index]?.verdict}));
			const failing = results.filter(result => result.verdict === 'fails');
			const undecided = results.filter(result => result.verdict === 'undecided');
			const mark = failing.length > 0 ? marks.bad : undecided.length > 0 ? marks.unknown : marks.ok;
			const parts = [`${results.length - failing.length - undecided.length} of ${results.length} modules load`];
			if (failing.length > 0) {
				parts.push(`${failing.length} fail (${failing.slice(0, 3).map(result => result.module).join(', ')}${failing.length > 3 ? ', …' : ''})`);
			}

			if (undecided.length > 0) {
				parts.push(`${undecided.length} undecided`);
			}

			lines.push(`${mark} ${pad(kernel.label)}  ${parts.join(' · ')}`);
		}
	} else {
		const module = data.mode === 'check' ? `${data.report.modules[0]?.name ?? ''}: ` : '';
		for (const [index, kernel] of data.kernels.entries()) {
			const {state, text} = kernelStripText(data, 0, index);
			// The kernel's source path (the strip ends with it) is what the user typed: left out, the line stays short.
			const short = text.endsWith(` · ${kernel.source}`) ? text.slice(0, -` · ${kernel.source}`.length) : text;
			lines.push(`${stripMarks[state]} ${pad(kernel.label)}  ${module}${short}`);
		}
	}

	for (const file of written) {
		lines.push(`report written: ${shownPath(file)}`);
	}

	return lines.map(line => terminalSafe(line) + '\n').join('');
}
