import {formatCrc} from '../common/hex.js';
import type {ExplainResult} from '../typediff/explanation.js';
import type {Kernel} from '../kernel/kernel.js';
import type {Progress} from '../kernel-source/kernel-source.js';
import {narrowBtf} from './narrow-btf.js';
import type {TypeInformation} from '../type-info/type-information.js';

/**
Why `symbol` has another CRC on `to` than on `from`: exactly from genksyms's input where both
kernels have it (given, or generated from their source), else from BTF, which says what it is.
*/
export async function explainSymbol(symbol: string, from: Kernel, to: Kernel, info: TypeInformation, onProgress?: Progress): Promise<ExplainResult> {
	const fromCrc = from.exports.get(symbol)?.crc;
	const toCrc = to.exports.get(symbol)?.crc;
	const progress = onProgress ? bothKernels(onProgress, from.label, to.label) : undefined;
	const [fromSymtypes, toSymtypes] = await Promise.all([info.symtypes(from, symbol, progress?.[0]), info.symtypes(to, symbol, progress?.[1])]);
	if ('index' in fromSymtypes && 'index' in toSymtypes) {
		onProgress?.(`comparing what genksyms hashed for ${symbol} on ${from.label} and ${to.label}`);
		const {explainSymtypes} = await import('../typediff/explain-symtypes.js');
		const explanation = explainSymtypes({
			symbol,
			from: {label: from.label, index: fromSymtypes.index, kernelCrc: fromCrc},
			to: {label: to.label, index: toSymtypes.index, kernelCrc: toCrc},
		});
		const notes = [...fromSymtypes.notes.map(note => `${from.label}: ${note}`), ...toSymtypes.notes.map(note => `${to.label}: ${note}`), ...(explanation.notes ?? [])];
		return {explanation: {...explanation, origins: {from: fromSymtypes.origin, to: toSymtypes.origin}, ...(notes.length > 0 ? {notes} : {})}};
	}

	// Without modversions no CRC exists for genksyms's input to reproduce: no "exact answer" to ask for.
	const versioned = from.modversions !== false && to.modversions !== false;
	const exactMissing = versioned ? [fromSymtypes, toSymtypes].flatMap(answer => ('reasons' in answer ? [answer] : [])) : [];
	const [fromBtf, toBtf] = await Promise.all([info.btf(from, symbol), info.btf(to, symbol)]);
	if ('btf' in fromBtf && 'btf' in toBtf) {
		const {explainBtf} = await import('../typediff/explain-btf.js');
		const explanation = explainBtf({
			symbol,
			from: {label: from.label, btf: fromBtf.btf, crc: fromCrc === undefined ? undefined : formatCrc(fromCrc)},
			to: {label: to.label, btf: toBtf.btf, crc: toCrc === undefined ? undefined : formatCrc(toCrc)},
		});
		const narrowed = await narrowBtf({...explanation, btf_inputs: {from: fromBtf.path, to: toBtf.path}}, from, to, info, progress?.[1]);
		if (narrowed.method === 'symtypes') {
			return {explanation: narrowed};
		}

		const reasons = exactMissing.flatMap(answer => answer.reasons);
		const give = exactMissing.flatMap(answer => answer.give);
		const exact = `no exact answer${reasons.length > 0 ? ` (${reasons.join('; ')})` : ''}${give.length > 0 ? `: for it give ${give.join(' ')}` : ''}`;
		return versioned ? {explanation: {...narrowed, notes: [...(narrowed.notes ?? []), exact]}} : {explanation: narrowed};
	}

	const btfMissing = [fromBtf, toBtf].flatMap(answer => ('reasons' in answer ? [answer] : []));
	const reasons = [...exactMissing, ...btfMissing].flatMap(answer => answer.reasons);
	const exactGive = exactMissing.flatMap(answer => answer.give);
	const btfGive = btfMissing.flatMap(answer => answer.give);
	const wants = versioned ? [
		...(exactGive.length > 0 ? [`for the exact answer give ${exactGive.join(' ')}`] : []),
		...(btfGive.length > 0 ? [`for an approximate one (BTF) ${btfGive.join(' ')}`] : []),
	] : (btfGive.length > 0 ? [`give their BTF: ${btfGive.join(' ')}`] : []);
	return {unavailable: `no type information to compare${reasons.length > 0 ? ` (${reasons.join('; ')})` : ''}${wants.length > 0 ? `: ${wants.join('; ')}` : ''}`};
}

/** Both kernels work at once (two tarballs indexed, two kbuild runs): one line says what each does. */
function bothKernels(onProgress: Progress, fromLabel: string, toLabel: string): [Progress, Progress] {
	const messages: [string | undefined, string | undefined] = [undefined, undefined];
	const labels = [fromLabel, toLabel];
	const side = (index: 0 | 1): Progress => message => {
		messages[index] = message;
		onProgress(messages.flatMap((each, other) => (each === undefined ? [] : [`${labels[other]!}: ${each}`])).join(' · '));
	};

	return [side(0), side(1)];
}
