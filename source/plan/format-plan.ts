import {summarizeExplanation} from '../explain/format-explanation.js';
import {code, escape} from '../report/format-markdown.js';
import type {TextStyle} from '../report/format-text.js';
import type {PlanReport} from './build-plan.js';

const plain: TextStyle = {bad: t => t, good: t => t, dim: t => t, bold: t => t};

/** How many identical symbols the text lists by name before it only counts them. */
const identicalShown = 40;

export function formatPlanText(plan: PlanReport, style: TextStyle = plain): string {
	const lines = [style.bold(`${plan.module.name}  ${plan.module.path}`)];
	lines.push(style.dim(`  vermagic '${plan.module.vermagic ?? '(none)'}' · ${plan.summary.imports} imported symbols · ${plan.summary.kernels} kernels`), '');
	lines.push(plan.one_binary ? style.good(`✓ ${plan.verdict}`) : style.bad(`✗ ${plan.verdict}`), '');
	const width = Math.max(...plan.builds.map(build => build.build_against.length));
	for (const [index, build] of plan.builds.entries()) {
		const notes = [build.current_binary ? 'the current binary already loads there' : '', build.missing.length > 0 ? `missing: ${build.missing.join(', ')}` : ''].filter(Boolean);
		lines.push(`  build ${index + 1}  against ${build.build_against.padEnd(width)}  serves ${build.kernels.join(', ')}${notes.length > 0 ? style.dim(`  (${notes.join('; ')})`) : ''}`);
	}

	if (plan.splitting_symbols.length > 0) {
		const labels = plan.kernels.map(kernel => kernel.label);
		const nameWidth = Math.max(6, ...plan.splitting_symbols.map(symbol => symbol.name.length));
		const columns = labels.map(label => Math.max(label.length, 10));
		lines.push('', `Symbols that split the kernels (${plan.splitting_symbols.length}):`);
		lines.push(style.dim(`  ${'symbol'.padEnd(nameWidth)}  ${labels.map((label, index) => label.padEnd(columns[index]!)).join('  ')}`.trimEnd()));
		for (const symbol of plan.splitting_symbols) {
			const crcs = labels.map((label, index) => (symbol.crcs[label] ?? 'missing').padEnd(columns[index]!));
			lines.push(`  ${symbol.name.padEnd(nameWidth)}  ${crcs.join('  ')}`.trimEnd());
			if (symbol.explanation) {
				lines.push(...summarizeExplanation(symbol.explanation).map(line => style.dim(`      ${line}`)));
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

	return lines.join('\n') + '\n';
}

export function formatPlanMarkdown(plan: PlanReport): string {
	const out = [`# kmodx build plan: ${escape(plan.module.name)}`, '', `- file: ${code(plan.module.path)}`, `- vermagic: ${code(plan.module.vermagic)}`, '', `**${escape(plan.verdict)}**`, ''];
	out.push('| build | against | serves | current binary | missing |', '|---|---|---|---|---|');
	for (const [index, build] of plan.builds.entries()) {
		out.push(`| ${index + 1} | ${escape(build.build_against)} | ${build.kernels.map(label => escape(label)).join(', ')} | ${build.current_binary ? '✓ loads' : '—'} | ${build.missing.map(name => code(name)).join(', ')} |`);
	}

	if (plan.splitting_symbols.length > 0) {
		const labels = plan.kernels.map(kernel => kernel.label);
		out.push('', '## Symbols that split the kernels', '', `| symbol | ${labels.map(label => escape(label)).join(' | ')} |`, `|---|${labels.map(() => '---|').join('')}`);
		for (const symbol of plan.splitting_symbols) {
			out.push(`| ${code(symbol.name)} | ${labels.map(label => code(symbol.crcs[label] ?? 'missing')).join(' | ')} |`);
		}
	}

	out.push('', `## Identical on every kernel (${plan.identical_symbols.length})`, '', plan.identical_symbols.map(symbol => code(symbol.name)).join(', ') || '—', '');
	return out.join('\n');
}
