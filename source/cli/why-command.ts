import {InputError} from '../common/input-error.js';
import {jsonTerminalSafe, terminalSafe} from '../common/terminal-text.js';
import {formatExplanationText} from '../views/explanation-text.js';
import {whyAnswer} from '../engine/why.js';
import {TypeInformation} from '../type-info/type-information.js';
import {parseTypesFlags} from '../type-info/types-flags.js';
import {emit} from './output.js';
import type {CliFlags} from './flags.js';
import {loadKernels} from './load-inputs.js';
import {progressLine} from './progress-line.js';

/**
`kmodx why SYMBOL -k FROM -k TO [--types LABEL=PATH]…`: exit 0 when changes were found that
explain the CRCs (exactly, or as BTF's candidates: the output says which), 1 when the CRCs are
equal or no change was found, 2 on bad input or when no type information can be had.
*/
export async function runWhy(args: string[], flags: CliFlags): Promise<number> {
	const [symbol, ...extra] = args;
	if (!symbol || extra.length > 0) {
		throw new InputError(undefined, 'usage: kmodx why SYMBOL -k FROM -k TO [--types LABEL=PATH]…');
	}

	if ((flags.kernel ?? []).length !== 2) {
		throw new InputError(undefined, `why needs exactly two kernels (-k FROM -k TO), got ${(flags.kernel ?? []).length}`);
	}

	const progress = progressLine();
	try {
		const kernels = await loadKernels(flags, progress.update);
		const [from, to] = kernels as [typeof kernels[0], typeof kernels[0]];
		const answer = await whyAnswer(symbol, from, to, new TypeInformation(parseTypesFlags(flags.types, kernels)), progress.update);
		progress.clear();
		if (flags.format === 'json') {
			emit(jsonTerminalSafe(JSON.stringify(answer.document, null, 2)) + '\n', flags);
		} else {
			emit(answer.same ? terminalSafe(`${symbol}: ${from.label} and ${to.label} carry the same CRC (${answer.crc}): nothing to explain`) + '\n' : formatExplanationText(answer.document), flags);
		}

		return !answer.same && answer.document.changes.length > 0 ? 0 : 1;
	} finally {
		progress.clear();
	}
}
