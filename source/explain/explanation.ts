/**
The answer to "why did this symbol's CRC change between two kernels?", shared by every
method that can give it (BTF, genksyms .symtypes). It is the body of the `kmodx.why/1` JSON.
*/
export type ExplanationMethod = 'btf' | 'symtypes';

export type TypeChangeKind =
	| 'member_added'
	| 'member_removed'
	| 'member_renamed'
	| 'member_type_changed'
	| 'enumerator_added'
	| 'enumerator_removed'
	| 'enumerator_value_changed'
	| 'became_defined'
	| 'became_opaque'
	| 'typedef_changed'
	| 'prototype_changed'
	| 'type_changed'
	| 'definition_changed';

export type TypeChange = {
	/** The nearest named type that changed, e.g. "struct task_struct". */
	type: string;
	kind: TypeChangeKind;
	/** Member or enumerator, with the path through anonymous members: "(anonymous).futex_unique_id". */
	member?: string;
	/** C-like text before and after the change. */
	before?: string;
	after?: string;
	/** Shortest path from the symbol to the changed type, first element is the symbol's declaration. */
	path: string[];
	/** Offset and size shifts that only follow from this change. */
	consequences?: string[];
};

export type Explanation = {
	symbol: string;
	from: {kernel: string; crc?: string};
	to: {kernel: string; crc?: string};
	method: ExplanationMethod;
	/** symtypes only: both recomputed CRCs equal the CRCs the kernels carry. */
	verified?: boolean;
	/** Recomputed CRCs (symtypes). */
	recomputed?: {from: string; to: string};
	changes: TypeChange[];
	/** Human notes, e.g. why an explanation is incomplete. */
	notes?: string[];
};
