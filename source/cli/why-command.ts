import {formatCrc} from '../common/hex.js';
import {InputError} from '../common/input-error.js';
import {jsonTerminalSafe, terminalSafe} from '../common/terminal-text.js';
import {formatExplanationText} from '../views/explanation-text.js';
import {explainSymbol} from '../engine/explain-symbol.js';
import {TypeInformation} from '../type-info/type-information.js';
import {parseTypesFlags} from '../type-info/types-flags.js';
import {emit} from './output.js';
import type {CliFlags} from './flags.js';
import {loadKernels} from './load-inputs.js';
import {progressLine} from './progress-line.js';

export const whySchema = 'kmodx.why/1';

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
		const types = parseTypesFlags(flags.types, kernels);
		for (const kernel of [from, to]) {
			if (!kernel.exports.get(symbol)) {
				throw new InputError(undefined, `${symbol} is not exported by ${kernel.label} (${kernel.source})`);
			}
		}

		const fromCrc = from.exports.get(symbol)!.crc;
		const toCrc = to.exports.get(symbol)!.crc;
		// Without modversions there is no CRC to be equal: the types are compared where they are known.
		const unversioned = from.modversions === false || to.modversions === false;
		if (fromCrc === toCrc && !unversioned) {
			progress.clear();
			const crc = fromCrc === undefined ? 'no CRC' : formatCrc(fromCrc);
			if (flags.format === 'json') {
				emit(jsonTerminalSafe(JSON.stringify({schema: whySchema, symbol, from: {kernel: from.label, crc}, to: {kernel: to.label, crc}, method: null, complete: true, changes: [], notes: ['the CRCs are equal: nothing to explain']}, null, 2)) + '\n', flags);
			} else {
				emit(terminalSafe(`${symbol}: ${from.label} and ${to.label} carry the same CRC (${crc}): nothing to explain`) + '\n', flags);
			}

			return 1;
		}

		const result = await explainSymbol(symbol, from, to, new TypeInformation(types), progress.update);
		progress.clear();
		if ('unavailable' in result) {
			const noCrc = unversioned ? ' (no CRC to compare either: the kernels have no symbol versions, CONFIG_MODVERSIONS off)' : '';
			throw new InputError(undefined, `cannot explain ${symbol}${noCrc}: ${result.unavailable}`);
		}

		const explanation = unversioned
			? {...result.explanation, notes: [...(result.explanation.notes ?? []), `no CRC on either side: ${from.modversions === false && to.modversions === false ? 'neither kernel has' : 'a kernel has no'} symbol versions (CONFIG_MODVERSIONS off), so this compares the types ${symbol} reaches, and nothing checks them against a CRC; a module loads only on the release it was built for anyway`]}
			: result.explanation;
		emit(flags.format === 'json' ? jsonTerminalSafe(JSON.stringify({schema: whySchema, ...explanation}, null, 2)) + '\n' : formatExplanationText(explanation), flags);
		return explanation.changes.length > 0 ? 0 : 1;
	} finally {
		progress.clear();
	}
}
