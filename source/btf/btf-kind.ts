/** BTF kinds (include/uapi/linux/btf.h). */
export const enum BtfKind {
	Unknown = 0,
	Int = 1,
	Ptr = 2,
	Array = 3,
	Struct = 4,
	Union = 5,
	Enum = 6,
	Fwd = 7,
	Typedef = 8,
	Volatile = 9,
	Const = 10,
	Restrict = 11,
	Func = 12,
	FuncProto = 13,
	Var = 14,
	Datasec = 15,
	Float = 16,
	DeclTag = 17,
	TypeTag = 18,
	Enum64 = 19,
}

export const maxKind = 19;

export const kindNames: readonly string[] = [
	'UNKNOWN', 'INT', 'PTR', 'ARRAY', 'STRUCT', 'UNION', 'ENUM', 'FWD', 'TYPEDEF', 'VOLATILE',
	'CONST', 'RESTRICT', 'FUNC', 'FUNC_PROTO', 'VAR', 'DATASEC', 'FLOAT', 'DECL_TAG', 'TYPE_TAG', 'ENUM64',
];

/** Words (u32) of kind-specific data after the 3-word header, per vlen item or fixed. */
export function trailingWords(kind: number, vlen: number): number {
	switch (kind) {
		case BtfKind.Int:
		case BtfKind.Var:
		case BtfKind.DeclTag: {
			return 1;
		}

		case BtfKind.Array: {
			return 3;
		}

		case BtfKind.Struct:
		case BtfKind.Union:
		case BtfKind.Datasec:
		case BtfKind.Enum64: {
			return 3 * vlen;
		}

		case BtfKind.Enum:
		case BtfKind.FuncProto: {
			return 2 * vlen;
		}

		default: {
			return 0;
		}
	}
}
