import path from 'node:path';
import {terminalSafeDeep} from '../common/terminal-text.js';
import {summarizeExplanation} from './explanation-text.js';
import {code, escape} from './format-markdown.js';
import {plainStyle, plural, type TextStyle} from './format-text.js';
import type {PlanReport} from '../engine/build-plan.js';
import {appendAll, maxOf} from '../common/arrays.js';

/** How many identical symbols the text lists by name before it only counts them. */
const identicalShown = 40;
/** How many module names the heading of a plan of several lists. */
const modulesShown = 6;

/** The plan's subject: the module's name and file, or how many modules and where they are. */
function subject(plan: PlanReport): string {
	if (plan.module) {
		return `${plan.module.name}  ${plan.module.path}`;
	}

	const directories = [...new Set(plan.modules.map(module => path.dirname(module.path)))];
	const where = directories.length === 1 ? `  ${directories[0]!}` : '';
	return `${plan.modules.length} modules${where}`;
}

function buildNotes(plan: PlanReport, build: PlanReport['builds'][number]): string[] {
	const several = plan.modules.length > 1;
	return [
		build.current_binary ? (several ? 'the current binaries already load there' : 'the current binary already loads there') : '',
		build.missing.length > 0 ? `missing: ${build.missing.join(', ')}` : '',
		...build.undecided.map(({kernel, symbols}) => `${kernel}: ${plural(symbols.length, 'import')} undecided`),
	].filter(Boolean);
}

export function formatPlanText(untrusted: PlanReport, style: TextStyle = plainStyle): string {
	const plan = terminalSafeDeep(untrusted);
	const lines = [style.bold(subject(plan))];
	if (!plan.module) {
		const names = plan.modules.slice(0, modulesShown).map(module => module.name).join(', ');
		lines.push(style.dim(`  ${names}${plan.modules.length > modulesShown ? `, and ${plan.modules.length - modulesShown} more` : ''}`));
	}

	const vermagic = plan.module ? `vermagic '${plan.module.vermagic ?? '(none)'}' · ` : '';
	lines.push(style.dim(`  ${vermagic}${plural(plan.summary.imports, 'symbol')} imported from the kernel · ${plural(plan.summary.kernels, 'kernel')}`), '');
	const mark = plan.one_binary ? '✓' : (plan.builds.length === 1 && plan.builds[0]!.missing.length === 0 ? '?' : '✗');
	lines.push(plan.one_binary ? style.good(`${mark} ${plan.verdict}`) : style.bad(`${mark} ${plan.verdict}`), '');
	const width = maxOf(plan.builds, build => build.build_against.length);
	for (const [index, build] of plan.builds.entries()) {
		const notes = buildNotes(plan, build);
		lines.push(`  build ${index + 1}  against ${build.build_against.padEnd(width)}  serves ${build.kernels.join(', ')}${notes.length > 0 ? style.dim(`  (${notes.join('; ')})`) : ''}`);
	}

	if (plan.splitting_symbols.length > 0) {
		const labels = plan.kernels.map(kernel => kernel.label);
		const nameWidth = maxOf(plan.splitting_symbols, symbol => symbol.name.length, 6);
		const columns = labels.map(label => Math.max(label.length, 10));
		lines.push('', `Symbols that split the kernels (${plan.splitting_symbols.length}):`);
		lines.push(style.dim(`  ${'symbol'.padEnd(nameWidth)}  ${labels.map((label, index) => label.padEnd(columns[index]!)).join('  ')}`.trimEnd()));
		for (const symbol of plan.splitting_symbols) {
			const crcs = labels.map((label, index) => crcCell(symbol.crcs[label]).padEnd(columns[index]!));
			lines.push(`  ${symbol.name.padEnd(nameWidth)}  ${crcs.join('  ')}`.trimEnd());
			if (symbol.explanation) {
				appendAll(lines, summarizeExplanation(symbol.explanation).map(line => style.dim(`      ${line}`)));
			} else if (symbol.explanation_unavailable) {
				lines.push(style.dim(`      why: ${symbol.explanation_unavailable}`));
			}
		}
	}

	const identical = plan.identical_symbols;
	if (identical.length > 0) {
		const names = identical.slice(0, identicalShown).map(symbol => symbol.name).join(', ');
		lines.push('', `Identical on every kernel (${identical.length}): ${names}${identical.length > identicalShown ? ', …' : ''}`);
	} else {
		lines.push('', 'No imported symbol is identical on every kernel.');
	}

	const undecided = plan.undecided_symbols;
	if (undecided.length > 0) {
		const names = undecided.slice(0, identicalShown).map(symbol => symbol.name).join(', ');
		const kernels = [...new Set(undecided.flatMap(symbol => symbol.undecided_on))].join(', ');
		lines.push(`Undecided on ${kernels} (${undecided.length}; the same wherever known): ${names}${undecided.length > identicalShown ? ', …' : ''}`);
	}

	return lines.join('\n') + '\n';
}

function crcCell(value: string | null | undefined): string {
	return value === null || value === undefined ? 'missing' : (value === 'undecided' ? '?' : value);
}

export function formatPlanMarkdown(plan: PlanReport): string {
	const title = plan.module ? escape(plan.module.name) : `${plan.modules.length} modules`;
	const facts = plan.module
		? [`- file: ${code(plan.module.path)}`, `- vermagic: ${code(plan.module.vermagic)}`]
		: [`- modules: ${plan.modules.map(module => code(module.path)).join(', ')}`];
	const out = [`# kmodx build plan: ${title}`, '', ...facts, '', `**${escape(plan.verdict)}**`, ''];
	out.push('| build | against | serves | current binary | missing | undecided |', '|---|---|---|---|---|---|');
	for (const [index, build] of plan.builds.entries()) {
		const undecided = build.undecided.map(({kernel, symbols}) => `${escape(kernel)}: ${symbols.length}`).join(', ');
		out.push(`| ${index + 1} | ${escape(build.build_against)} | ${build.kernels.map(label => escape(label)).join(', ')} | ${build.current_binary ? '✓ loads' : '—'} | ${build.missing.map(name => code(name)).join(', ')} | ${undecided} |`);
	}

	if (plan.splitting_symbols.length > 0) {
		const labels = plan.kernels.map(kernel => kernel.label);
		out.push('', '## Symbols that split the kernels', '', `| symbol | ${labels.map(label => escape(label)).join(' | ')} |`, `|---|${labels.map(() => '---|').join('')}`);
		for (const symbol of plan.splitting_symbols) {
			out.push(`| ${code(symbol.name)} | ${labels.map(label => code(crcCell(symbol.crcs[label]))).join(' | ')} |`);
		}
	}

	out.push('', `## Identical on every kernel (${plan.identical_symbols.length})`, '', plan.identical_symbols.map(symbol => code(symbol.name)).join(', ') || '—', '');
	if (plan.undecided_symbols.length > 0) {
		out.push(`## Undecided (${plan.undecided_symbols.length}): the same wherever known`, '', plan.undecided_symbols.map(symbol => `${code(symbol.name)} (? on ${symbol.undecided_on.map(label => escape(label)).join(', ')})`).join(', '), '');
	}

	return out.join('\n');
}
