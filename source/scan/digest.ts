import type {ModuleReport} from '../engine/check-report.js';
import {moduleJsonLine} from '../views/format-json.js';
import {markdownModule} from '../views/format-markdown.js';
import {cellText} from '../views/format-matrix.js';
import {colorStyle, moduleText} from '../views/format-text.js';
import {verdictKinds, type FailKind} from '../engine/fail-on.js';
import type {Outcome} from '../verdict/check-module.js';

/**
What the consumer of a scan keeps of each module, made where the module was checked (in a
worker): the JSON text, a matrix row or the detailed text, never the report's object graph,
which costs more to copy between threads than to build.
*/
export type DigestOptions = {
	mode: 'report' | 'json' | 'row' | 'text' | 'markdown';
	color?: boolean;
	labelWidth?: number;
	/** `row`: the first failure is all that counts (checkModule's `firstFailureOnly`). */
	firstFailureOnly?: boolean;
};

export type ModuleDigest = {
	name: string;
	path: string;
	verdicts: Array<{kernel: string; verdict: Outcome; kinds: FailKind[]}>;
	report?: ModuleReport;
	/** `mode: 'json'`: the module as an element of kmodx.check/1 `modules`, on one line (format-json.ts). */
	json?: string;
	cells?: string[];
	/** `mode: 'text' | 'markdown'`: the detailed section, lines joined. */
	text?: string;
};

export function digestReport(report: ModuleReport, options: DigestOptions): ModuleDigest {
	const digest: ModuleDigest = {
		name: report.name,
		path: report.path,
		verdicts: report.results.map(result => ({kernel: result.kernel, verdict: result.verdict, kinds: verdictKinds(result)})),
	};
	switch (options.mode) {
		case 'report': {
			digest.report = report;
			break;
		}

		case 'json': {
			digest.json = moduleJsonLine(report);
			break;
		}

		case 'row': {
			digest.cells = report.results.map(result => cellText(result));
			break;
		}

		case 'text': {
			digest.text = moduleText(report, options.labelWidth ?? 0, options.color ? colorStyle : undefined).join('\n');
			break;
		}

		case 'markdown': {
			digest.text = markdownModule(report).join('\n');
			break;
		}
	}

	return digest;
}
