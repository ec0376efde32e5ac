/*
FNV-1a (32-bit) over a symbol name's bytes: the hash the Module.symvers table and the packed
exports index their names by. Both must agree, or a name packed by one is never found by the
other; Module.symvers hashes bytes inline on its one pass over the file, with these constants.
*/

export const fnvOffset = 0x81_1c_9d_c5;
export const fnvPrime = 0x01_00_01_93;

/** The hash of a name given as text whose characters are its bytes (latin1). */
export function nameHash(name: string): number {
	let hash = fnvOffset;
	for (let index = 0; index < name.length; index++) {
		hash = Math.imul(hash ^ (name.charCodeAt(index) & 0xff), fnvPrime);
	}

	return hash;
}
