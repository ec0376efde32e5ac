import {jsonTerminalSafe} from '../common/terminal-text.js';
import type {CheckReport, CheckSummary, ModuleReport} from '../engine/check-report.js';

/*
kmodx.check/1 as text. One module: the whole document indented, to be read. Several: the
document indented, each module on one line — the same JSON, a third smaller for a distribution's
modules (92 MB instead of 143 for Debian 6.1's 4,022 × 3 kernels) and quicker to make, and a
module is one line for grep and diff.
*/

export function formatCheckJson(report: CheckReport): string {
	if (report.modules.length <= 1) {
		return jsonTerminalSafe(JSON.stringify(report, null, 2)) + '\n';
	}

	return checkJsonHead(report) + report.modules.map(module => moduleJsonLine(module)).join(',\n') + checkJsonTail(report.summary);
}

/** Everything before the first module: schema, policy, kernels, and the opening of `modules`. */
export function checkJsonHead(report: Pick<CheckReport, 'schema' | 'policy' | 'kernels'>): string {
	const head = jsonTerminalSafe(JSON.stringify({schema: report.schema, policy: report.policy, kernels: report.kernels}, null, 2));
	return head.slice(0, -2) + ',\n  "modules": [\n';
}

/** One element of `modules`, on its line. */
export function moduleJsonLine(module: ModuleReport): string {
	return '    ' + jsonTerminalSafe(JSON.stringify(module));
}

export function checkJsonTail(summary: CheckSummary): string {
	return '\n  ],\n  "summary": ' + JSON.stringify(summary, null, 2).replaceAll('\n', '\n  ') + '\n}\n';
}
