import {InputError} from '../common/input-error.js';
import {buildCheckReport, type CheckReport} from '../report/check-report.js';
import {formatMarkdown} from '../report/format-markdown.js';
import {formatText, type TextStyle} from '../report/format-text.js';
import {writeOutput} from '../report/write-output.js';
import {useColor, type CliFlags} from './flags.js';
import {loadKernels, loadModules} from './load-inputs.js';

const ansi = (code: number) => (text: string) => `\u001B[${code}m${text}\u001B[0m`;
const colors: TextStyle = {bad: ansi(31), good: ansi(32), dim: ansi(2), bold: ansi(1)};

export async function runCheck(paths: string[], flags: CliFlags): Promise<number> {
	if (paths.length === 0) {
		throw new InputError(undefined, 'no module given: kmodx check MODULE|DIR… [-k KERNEL]…');
	}

	const progress = process.stderr.isTTY ? (message: string) => process.stderr.write(`${message}…\r`) : undefined;
	const [kernels, modules] = await Promise.all([loadKernels(flags, progress), loadModules(paths)]);
	if (progress) {
		process.stderr.write('\u001B[2K');
	}

	const report = buildCheckReport(modules, kernels, {missingVersion: flags.missingVersion});
	if (flags.explain) {
		const [{attachExplanations}, {parseTypesFlags, TypeInfoProvider}] = await Promise.all([import('../explain/attach-explanations.js'), import('../explain/explain-symbol.js')]);
		await attachExplanations(report, kernels, new TypeInfoProvider(parseTypesFlags(flags.types, kernels)));
	}

	emit(renderReport(report, flags), flags);
	return report.summary.loads_everywhere ? 0 : 1;
}

export function renderReport(report: CheckReport, flags: CliFlags): string {
	const format = flags.json ? 'json' : flags.format;
	switch (format) {
		case 'json': {
			return JSON.stringify(report, null, 2) + '\n';
		}

		case 'markdown': {
			return formatMarkdown(report);
		}

		default: {
			return formatText(report, useColor(flags) ? colors : undefined);
		}
	}
}

export function emit(content: string, flags: CliFlags): void {
	if (flags.output) {
		writeOutput(flags.output, content, {force: flags.force});
	} else {
		process.stdout.write(content);
	}
}
