import {formatCrc} from '../common/hex.js';
import {InputError} from '../common/input-error.js';
import type {Kernel} from '../kernel/kernel.js';
import type {Progress} from '../kernel-source/kernel-source.js';
import type {TypeInformation} from '../type-info/type-information.js';
import type {Explanation} from '../typediff/explanation.js';
import {explainSymbol} from './explain-symbol.js';

/* `kmodx why`'s use case: the kmodx.why/1 document for one symbol between two kernels. */

export const whySchema = 'kmodx.why/1';

/** The explanation, or (the CRCs being equal) an explanation of nothing: no method, no changes. */
export type WhyDocument = {schema: typeof whySchema} & (Explanation | (Omit<Explanation, 'method'> & {method: null; changes: []}));

export type WhyAnswer =
	| {same: true; crc: string; document: WhyDocument}
	| {same: false; document: {schema: typeof whySchema} & Explanation};

/**
Why `symbol`'s CRC differs from `from` to `to`. Without modversions there is no CRC to be equal:
the types are compared where they are known, and the document says nothing checked them. Throws
an InputError when the symbol is not exported by both or no type information can be had.
*/
export async function whyAnswer(symbol: string, from: Kernel, to: Kernel, info: TypeInformation, onProgress?: Progress): Promise<WhyAnswer> {
	for (const kernel of [from, to]) {
		if (!kernel.exports.get(symbol)) {
			throw new InputError(undefined, `${symbol} is not exported by ${kernel.label} (${kernel.source})`);
		}
	}

	const fromCrc = from.exports.get(symbol)!.crc;
	const toCrc = to.exports.get(symbol)!.crc;
	const unversioned = from.modversions === false || to.modversions === false;
	if (fromCrc === toCrc && !unversioned) {
		const crc = fromCrc === undefined ? 'no CRC' : formatCrc(fromCrc);
		const document: WhyDocument = {schema: whySchema, symbol, from: {kernel: from.label, crc}, to: {kernel: to.label, crc}, method: null, complete: true, changes: [], notes: ['the CRCs are equal: nothing to explain']};
		return {same: true, crc, document};
	}

	const result = await explainSymbol(symbol, from, to, info, onProgress);
	if ('unavailable' in result) {
		const noCrc = unversioned ? ' (no CRC to compare either: the kernels have no symbol versions, CONFIG_MODVERSIONS off)' : '';
		throw new InputError(undefined, `cannot explain ${symbol}${noCrc}: ${result.unavailable}`);
	}

	const explanation = unversioned
		? {...result.explanation, notes: [...(result.explanation.notes ?? []), `no CRC on either side: ${from.modversions === false && to.modversions === false ? 'neither kernel has' : 'a kernel has no'} symbol versions (CONFIG_MODVERSIONS off), so this compares the types ${symbol} reaches, and nothing checks them against a CRC; a module loads only on the release it was built for anyway`]}
		: result.explanation;
	return {same: false, document: {schema: whySchema, ...explanation}};
}
