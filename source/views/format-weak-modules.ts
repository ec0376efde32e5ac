import {terminalSafeDeep} from '../common/terminal-text.js';
import {code, escape} from './format-markdown.js';
import {plainStyle, type TextStyle} from './format-text.js';
import type {WeakModulesReport} from '../engine/weak-modules.js';

/* The weak-modules document (kmodx.weak-modules/1) drawn as text and as Markdown. */

const decisionMarks = {reuse: '✓ reuse', rebuild: '✗ rebuild', undecided: '? undecided'} as const;

export function formatWeakText(untrusted: WeakModulesReport, style: TextStyle = plainStyle): string {
	const report = terminalSafeDeep(untrusted);
	const lines = [style.bold(`Modules ${report.from ? `built for ${report.from.label} ` : ''}on ${report.to.label}:`)];
	const width = report.modules.reduce((max, module) => Math.max(max, module.name.length), 0);
	// As wide as the longest decision shown.
	const markWidth = report.modules.reduce((max, module) => Math.max(max, decisionMarks[module.decision].length), 0);
	for (const module of report.modules) {
		const text = decisionMarks[module.decision].padEnd(markWidth);
		const mark = module.decision === 'reuse' ? style.good(text) : style.bad(text);
		const fromNote = module.loads_on_from === false ? style.dim(` (does not load on ${report.from!.label} either)`) : '';
		lines.push(`  ${mark}  ${module.name.padEnd(width)}  ${module.reason}${fromNote}`);
	}

	lines.push('', weakSummaryText(report, style));
	return lines.join('\n') + '\n';
}

/** The last line: how many can be reused, need a rebuild, or are undecided; singular and plural right. */
export function weakSummaryText(report: WeakModulesReport, style: TextStyle = plainStyle): string {
	const {modules, reuse, rebuild, undecided} = report.summary;
	const to = report.to.label;
	if (modules === 1) {
		const [module] = report.modules;
		const text = {reuse: `✓ ${module!.name} can be reused on ${to} as it is`, rebuild: `✗ ${module!.name} needs a rebuild for ${to}`, undecided: `? ${module!.name} is undecided on ${to}`}[module!.decision];
		return module!.decision === 'reuse' ? style.good(text) : style.bad(text);
	}

	const reusable = `${reuse} can be reused as ${reuse === 1 ? 'it is' : 'they are'}`;
	const undecidedTail = undecided > 0 ? `; ${undecided} ${undecided === 1 ? 'is' : 'are'} undecided` : '';
	if (rebuild > 0) {
		return style.bad(`✗ ${rebuild} of ${modules} modules need${rebuild === 1 ? 's' : ''} a rebuild for ${to}; ${reusable}${undecidedTail}`);
	}

	if (undecided > 0) {
		return style.bad(`? ${undecided} of ${modules} modules ${undecided === 1 ? 'is' : 'are'} undecided on ${to}; ${reusable}`);
	}

	return style.good(`✓ all ${modules} modules can be reused on ${to} as they are`);
}

export function formatWeakMarkdown(report: WeakModulesReport): string {
	const out = [`# kmodx weak-modules: ${report.from ? `${escape(report.from.label)} → ` : ''}${escape(report.to.label)}`, '', '| module | decision | reason | file |', '|---|---|---|---|'];
	for (const module of report.modules) {
		out.push(`| ${escape(module.name)} | ${decisionMarks[module.decision]} | ${escape(module.reason)} | ${code(module.path)} |`);
	}

	out.push('', `**${escape(weakSummaryText(report))}**`, '');
	return out.join('\n');
}
