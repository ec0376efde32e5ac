import {terminalSafe} from '../common/terminal-text.js';
import {changesByType, type Explanation} from '../typediff/explanation.js';
import {changeMarks, explanationLines, methodLabel, originText, typeCount} from './explanation-lines.js';
import {plainLine} from './view-line.js';

/** The plain-text form of an explanation (`kmodx why`): its view lines, flattened, every piece terminal-safe. */
export function formatExplanationText(explanation: Explanation): string {
	return explanationLines(explanation).map(line => plainLine(line, terminalSafe)).join('\n') + '\n';
}

/** One line per changed type, for reports that list many symbols (`check --explain`). Not escaped: the report escapes its lines. */
export function summarizeExplanation(explanation: Explanation, limit = 8): string[] {
	const byType = changesByType(explanation.changes);
	const lines = [...byType].slice(0, limit).map(([type, changes]) => `${type}: ${changes.map(change => `${changeMarks[change.kind] ?? '~'}${change.member ?? change.kind.replaceAll('_', ' ')}`).join(', ')}`);
	if (byType.size > limit) {
		lines.push(`… ${byType.size - limit} more types (kmodx why ${explanation.symbol} -k ${explanation.from.kernel} -k ${explanation.to.kernel})`);
	}

	const head = `why (${methodLabel(explanation)}, ${typeCount(explanation, byType.size)})`;
	const inputs = explanation.origins
		? [originText(explanation.origins.from), originText(explanation.origins.to)]
		: (explanation.btf_inputs ? [explanation.btf_inputs.from, explanation.btf_inputs.to] : undefined);
	const from = inputs ? [`from ${explanation.from.kernel}: ${inputs[0]!}; ${explanation.to.kernel}: ${inputs[1]!}`] : [];
	return byType.size === 0 && explanation.incomplete ? [`${head}: ${explanation.incomplete}`, ...from] : [`${head}:`, ...lines, ...from];
}
