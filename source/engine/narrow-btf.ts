import {formatCrc} from '../common/hex.js';
import type {Explanation, TypeChange} from '../typediff/explanation.js';
import type {Kernel} from '../kernel/kernel.js';
import type {Progress} from '../kernel-source/kernel-source.js';
import {genksymsCrc, expandSymbol} from '../symtypes/genksyms-crc.js';
import {displayName, parseReference} from '../symtypes/symtypes-index.js';
import type {TypeInformation} from '../type-info/type-information.js';

/**
BTF lists every declaration change reachable from the symbol; genksyms hashed only the types the
exporting file defines. Without that file, the installed header that declares the symbol tells
part of it: the types it defines are defined in every file that includes the declaration. Those
changes are marked 'hashed' and come first, the rest 'possible'. When the header's symtypes give
both kernels' CRCs, they are the whole answer, exact: a symtypes explanation is returned instead.
Measured on my_drv's CRC changes 47 → 56 (BENCHMARKS.md): every 'hashed' change is a true cause;
they are 0 to all of the causes, depending on how much the exporting file includes beyond it.
*/
export async function narrowBtf(explanation: Explanation, from: Kernel, to: Kernel, info: TypeInformation, onProgress?: Progress): Promise<Explanation> {
	const {symbol} = explanation;
	const [before, after] = await Promise.all([info.declaration(from, symbol, onProgress), info.declaration(to, symbol, onProgress)]);
	if (!before || !after) {
		return explanation;
	}

	const crcs = [from.exports.get(symbol)?.crc, to.exports.get(symbol)?.crc];
	if (crcs[0] !== undefined && crcs[1] !== undefined && genksymsCrc(before.index, symbol) === crcs[0] && genksymsCrc(after.index, symbol) === crcs[1]) {
		const {explainSymtypes} = await import('../typediff/explain-symtypes.js');
		const exact = explainSymtypes({symbol, from: {label: from.label, index: before.index, kernelCrc: crcs[0]}, to: {label: to.label, index: after.index, kernelCrc: crcs[1]}});
		const origin = (side: typeof before) => ({kind: 'headers' as const, headers: side.headers, file: `<${side.header}> alone (the header that declares ${symbol})`});
		return {...exact, origins: {from: origin(before), to: origin(after)}};
	}

	const defined = new Set<string>();
	for (const side of [before, after]) {
		for (const definition of expandSymbol(side.index, symbol).definitions.values()) {
			if (parseReference(definition.key) && !definition.tokens.includes('UNKNOWN')) {
				defined.add(displayName(definition.key));
			}
		}
	}

	const marked: TypeChange[] = explanation.changes.map(change => ({...change, likelihood: defined.has(change.type) ? 'hashed' : 'possible'}));
	const hashed = marked.filter(change => change.likelihood === 'hashed');
	const types = (changes: TypeChange[]) => new Set(changes.map(change => change.type)).size;
	const header = before.header === after.header ? `<${before.header}>` : `<${before.header}> and <${after.header}>`;
	const note = candidatesNote(types(hashed), types(marked), header, symbol) + ` (the header alone gives ${formatCrc(genksymsCrc(after.index, symbol))} on ${to.label}, the kernel ${crcs[1] === undefined ? 'no CRC' : formatCrc(crcs[1])})`;
	return {...explanation, changes: [...hashed, ...marked.filter(change => change.likelihood === 'possible')], notes: [...(explanation.notes ?? []), note]};
}

/** "1 of the 44 candidate types is defined by <linux/miscdevice.h>, …": the verb agrees with the count defined. */
export function candidatesNote(hashed: number, candidates: number, header: string, symbol: string): string {
	const verb = hashed === 1 ? 'is' : 'are';
	const them = hashed === 1 ? 'it' : 'them';
	return `${hashed} of the ${candidates} candidate type${candidates === 1 ? '' : 's'} ${verb} defined by ${header}, which declares ${symbol}: genksyms hashed ${them} in any file that includes it; whether it hashed the others depends on what the exporting file includes`;
}
