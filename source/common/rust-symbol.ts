/*
Rust symbol names, for people. Kernels built with CONFIG_RUST export Rust functions under mangled
names: v0 (`_RNvNtNtCs1bG2cWDmyQp_6kernel4time5delay6fsleep`, what the kernel builds with) or
legacy (`_ZN6kernel4time5delay6fsleep17h0123456789abcdefE`). `demangleRust` gives what
rustc-demangle prints in its alternate form (`{:#}`, and binutils' `c++filt -i`):
`kernel::time::delay::fsleep`, without crate hashes.

The crate hash (`Cs…_`, a disambiguator of the crate root) changes with every build, so the same
function has another name in the next build: `rustSymbolKey` is the demangled path, which leaves
out both the crate hashes and the disambiguators of `impl` blocks (rustc renumbers those too: core's
`impl CStr` was `Ms4_` in Debian's 7.2.12 and `Ms3_` in 7.2.13).

The names come from files: anything that is not a well-formed symbol gives undefined, never an
exception; recursion, output and work are bounded, so a crafted name (backrefs that double the
output at each step, nesting 100,000 deep) costs microseconds. Grammar: the v0 mangling RFC 2603
and rustc's `compiler/rustc_symbol_mangling`; output as rustc-demangle 0.1.27.
*/

/** Longer names are not demangled (the kernel's KSYM_NAME_LEN is 512; userspace Rust rarely passes 2,000). */
const maxInput = 4096;
/** A demangled name longer than this is refused (backrefs can double the output per byte of input). */
const maxOutput = 8192;
/** Nesting of paths, types and consts (rustc-demangle's MAX_DEPTH). */
const maxDepth = 500;
/** Parse steps, whatever they print: a bound on the work of any input. */
const maxSteps = 200_000;

class Invalid extends Error {}
const invalid = new Invalid();

/** Whether `name` looks like a Rust symbol at all (cheap: the prefix only). */
export function isRustSymbol(name: string): boolean {
	return name.startsWith('_R') || (name.startsWith('_ZN') && /17h[\da-f]{16}E(?:\.|$)/.test(name));
}

/**
`name` demangled as rustc-demangle's alternate form prints it (no crate hash, no legacy `::h…`
hash), or undefined when it is not a Rust symbol (C names, C++ names, anything malformed).
*/
export function demangleRust(name: string): string | undefined {
	if (name.length > maxInput || name.length < 3 || !/^[\x21-\x7E]+$/.test(name)) {
		return undefined;
	}

	// ThinLTO renames internal symbols `….llvm.<hex>`: not part of the name (as rustc-demangle).
	const llvm = name.indexOf('.llvm.');
	const symbol = llvm !== -1 && /^[\dA-F@]*$/.test(name.slice(llvm + 6)) ? name.slice(0, llvm) : name;
	try {
		if (symbol.startsWith('_R')) {
			return demangleV0(symbol.slice(2));
		}

		if (symbol.startsWith('_ZN')) {
			return demangleLegacy(symbol.slice(3));
		}
	} catch (error) {
		if (error instanceof Invalid) {
			return undefined;
		}

		throw error;
	}

	return undefined;
}

/**
What stays the same when only the build changes: the demangled path (crate hashes and `impl`
disambiguators left out). Two exports of different builds with the same key are the same
function; undefined for names that are not Rust symbols.
*/
export function rustSymbolKey(name: string): string | undefined {
	return isRustSymbol(name) ? demangleRust(name) : undefined;
}

/** The name to show a person: demangled for a Rust symbol, else as it is. */
export function readableSymbol(name: string): string {
	return (isRustSymbol(name) && demangleRust(name)) || name;
}

/** Text after the symbol (`.cold`, `.0.0` from LLVM): kept, as rustc-demangle keeps it, when it is printable punctuation and words. */
function suffixOf(rest: string): string {
	if (rest === '') {
		return '';
	}

	if (rest.startsWith('.') && /^[\x21-\x7E]+$/.test(rest)) {
		return rest;
	}

	throw invalid;
}

// ---- v0 (RFC 2603) ----

function demangleV0(inner: string): string {
	// Paths start with an uppercase tag; a leading digit would be an encoding version, none is defined.
	if (!/^[A-Z]/.test(inner)) {
		throw invalid;
	}

	const printer = new V0Printer(inner);
	printer.path(true);
	// The instantiating crate (generic code instantiated elsewhere): parsed, never printed.
	if (/^[A-Z]/.test(inner.slice(printer.position))) {
		printer.skipping(() => printer.path(false));
	}

	return printer.output + suffixOf(inner.slice(printer.position));
}

const basicTypes: Record<string, string> = {
	a: 'i8', b: 'bool', c: 'char', d: 'f64', e: 'str', f: 'f32', h: 'u8', i: 'isize', j: 'usize', l: 'i32', m: 'u32',
	n: 'i128', o: 'u128', p: '_', s: 'i16', t: 'u16', u: '()', v: '...', x: 'i64', y: 'u64', z: '!',
};

const u64Limit = (1n << 64n) - 1n;

type Ident = {ascii: string; punycode: string};

class V0Printer {
	position = 0;
	output = '';
	/** False while an `impl`'s own path or the instantiating crate is parsed: read, not printed, backrefs not followed. */
	private printing = true;
	private depth = 0;
	private steps = 0;
	/** Lifetimes bound by enclosing `for<…>` binders. */
	private boundLifetimes = 0;

	constructor(private readonly sym: string) {}

	skipping(parse: () => void): void {
		const was = this.printing;
		this.printing = false;
		parse();
		this.printing = was;
	}

	private print(text: string): void {
		if (this.printing) {
			this.output += text;
			if (this.output.length > maxOutput) {
				throw invalid;
			}
		}
	}

	private enter(): void {
		if (++this.depth > maxDepth || ++this.steps > maxSteps) {
			throw invalid;
		}
	}

	private leave(): void {
		this.depth--;
	}

	private peek(): string | undefined {
		return this.sym[this.position];
	}

	private eat(character: string): boolean {
		if (this.sym[this.position] === character) {
			this.position++;
			return true;
		}

		return false;
	}

	private next(): string {
		const character = this.sym[this.position];
		if (character === undefined) {
			throw invalid;
		}

		this.position++;
		return character;
	}

	/** `_` is 0, `<base 62 digits>_` is the number plus one; past u64 is invalid (as rustc-demangle). */
	private integer62(): bigint {
		if (this.eat('_')) {
			return 0n;
		}

		// Doubles are exact up to 2^53: most numbers (backrefs, closures) stay there; crate hashes go on in BigInt.
		let small = 0;
		let big: bigint | undefined;
		while (!this.eat('_')) {
			const digit = digit62(this.next());
			if (big === undefined && small < 2 ** 46) {
				small = small * 62 + digit;
			} else {
				big = (big ?? BigInt(small)) * 62n + BigInt(digit);
				if (big > u64Limit) {
					throw invalid;
				}
			}
		}

		const value = (big ?? BigInt(small)) + 1n;
		if (value > u64Limit) {
			throw invalid;
		}

		return value;
	}

	/** Absent: 0; `<tag><integer62>`: that plus one. */
	private optionalInteger62(tag: string): bigint {
		if (!this.eat(tag)) {
			return 0n;
		}

		const value = this.integer62() + 1n;
		if (value > u64Limit) {
			throw invalid;
		}

		return value;
	}

	private disambiguator(): bigint {
		return this.optionalInteger62('s');
	}

	/** `[u]<decimal length>[_]<bytes>`: punycode (`u`) splits at its last `_` into ASCII and insertions. */
	private ident(): Ident {
		const punycode = this.eat('u');
		const first = this.peek();
		if (first === undefined || first < '0' || first > '9') {
			throw invalid;
		}

		this.position++;
		let length = Number(first);
		if (length !== 0) {
			for (let digit = this.peek(); digit !== undefined && digit >= '0' && digit <= '9'; digit = this.peek()) {
				length = length * 10 + Number(digit);
				this.position++;
				if (length > this.sym.length) {
					throw invalid;
				}
			}
		}

		this.eat('_');
		const start = this.position;
		this.position += length;
		if (this.position > this.sym.length) {
			throw invalid;
		}

		const bytes = this.sym.slice(start, this.position);
		if (!punycode) {
			return {ascii: bytes, punycode: ''};
		}

		const split = bytes.lastIndexOf('_');
		const ident = split === -1 ? {ascii: '', punycode: bytes} : {ascii: bytes.slice(0, split), punycode: bytes.slice(split + 1)};
		if (ident.punycode === '') {
			throw invalid;
		}

		return ident;
	}

	/** A backref: `B<integer62>`, an offset before the `B` itself; run `parse` there (only when printing). */
	private backref(parse: () => void): void {
		const start = this.position - 1;
		const target = this.integer62();
		if (target >= BigInt(start)) {
			throw invalid;
		}

		if (!this.printing) {
			return;
		}

		const after = this.position;
		this.position = Number(target);
		this.enter();
		parse();
		this.leave();
		this.position = after;
	}

	path(inValue: boolean): void {
		this.enter();
		const tag = this.next();
		switch (tag) {
			case 'C': {
				this.disambiguator();
				this.print(identText(this.ident()));
				break;
			}

			case 'N': {
				const namespace = this.next();
				if (!((namespace >= 'A' && namespace <= 'Z') || (namespace >= 'a' && namespace <= 'z'))) {
					throw invalid;
				}

				this.path(inValue);
				const disambiguator = this.disambiguator();
				const ident = this.ident();
				const name = identText(ident);
				if (namespace >= 'A' && namespace <= 'Z') {
					// Closures, shims and other special namespaces: `{closure#0}`, `{shim:vtable#0}`.
					const kind = namespace === 'C' ? 'closure' : namespace === 'S' ? 'shim' : namespace;
					this.print(`::{${kind}${name === '' ? '' : `:${name}`}#${disambiguator}}`);
				} else if (name !== '') {
					this.print(`::${name}`);
				}

				break;
			}

			case 'M':
			case 'X':
			case 'Y': {
				if (tag !== 'Y') {
					// The impl's own path (where the impl block is) is not printed.
					this.disambiguator();
					this.skipping(() => this.path(false));
				}

				this.print('<');
				this.type();
				if (tag !== 'M') {
					this.print(' as ');
					this.path(false);
				}

				this.print('>');
				break;
			}

			case 'I': {
				this.path(inValue);
				this.print(inValue ? '::<' : '<');
				this.list(() => this.genericArg(), ', ');
				this.print('>');
				break;
			}

			case 'B': {
				this.backref(() => this.path(inValue));
				break;
			}

			default: {
				throw invalid;
			}
		}

		this.leave();
	}

	/** Elements up to the closing `E`, printed with `separator` between them; returns how many. */
	private list(element: () => void, separator: string): number {
		let count = 0;
		while (!this.eat('E')) {
			if (count > 0) {
				this.print(separator);
			}

			element();
			count++;
		}

		return count;
	}

	private genericArg(): void {
		if (this.eat('L')) {
			this.lifetime(this.integer62());
		} else if (this.eat('K')) {
			this.constant(false);
		} else {
			this.type();
		}
	}

	/** `'_` for 0; else a lifetime bound by an enclosing binder: `'a`, `'b`, … then `'_26`. */
	private lifetime(index: bigint): void {
		if (!this.printing) {
			return;
		}

		if (index === 0n) {
			this.print('\'_');
			return;
		}

		const depth = BigInt(this.boundLifetimes) - index;
		if (depth < 0n) {
			throw invalid;
		}

		this.print(depth < 26n ? `'${String.fromCodePoint(97 + Number(depth))}` : `'_${depth}`);
	}

	/** `G<integer62>`: `for<'a, …> ` around `inner`, whose lifetimes may refer to them. */
	private binder(inner: () => void): void {
		const count = this.optionalInteger62('G');
		if (!this.printing) {
			inner();
			return;
		}

		if (count > 0n) {
			// A binder of more lifetimes than the output can hold is invalid anyway.
			if (count > BigInt(maxOutput)) {
				throw invalid;
			}

			const names: string[] = [];
			for (let index = 0; index < Number(count); index++) {
				this.boundLifetimes++;
				const depth = this.boundLifetimes - 1;
				names.push(depth < 26 ? `'${String.fromCodePoint(97 + depth)}` : `'_${depth}`);
			}

			this.print(`for<${names.join(', ')}> `);
		}

		inner();
		this.boundLifetimes -= Number(count);
	}

	// eslint-disable-next-line max-lines-per-function -- one case per type tag of the v0 grammar, in its order: split, the grammar is harder to check against rustc's.
	private type(): void {
		const tag = this.next();
		const basic = basicTypes[tag];
		if (basic !== undefined) {
			this.print(basic);
			return;
		}

		this.enter();
		switch (tag) {
			case 'R':
			case 'Q': {
				this.print('&');
				if (this.eat('L')) {
					const index = this.integer62();
					if (index !== 0n) {
						this.lifetime(index);
						this.print(' ');
					}
				}

				if (tag === 'Q') {
					this.print('mut ');
				}

				this.type();
				break;
			}

			case 'P':
			case 'O': {
				this.print(tag === 'P' ? '*const ' : '*mut ');
				this.type();
				break;
			}

			case 'A':
			case 'S': {
				this.print('[');
				this.type();
				if (tag === 'A') {
					this.print('; ');
					this.constant(true);
				}

				this.print(']');
				break;
			}

			case 'T': {
				this.print('(');
				if (this.list(() => this.type(), ', ') === 1) {
					this.print(',');
				}

				this.print(')');
				break;
			}

			case 'F': {
				this.binder(() => this.fnSig());
				break;
			}

			case 'D': {
				this.print('dyn ');
				this.binder(() => this.list(() => this.dynTrait(), ' + '));
				if (!this.eat('L')) {
					throw invalid;
				}

				const index = this.integer62();
				if (index !== 0n) {
					this.print(' + ');
					this.lifetime(index);
				}

				break;
			}

			case 'B': {
				this.backref(() => this.type());
				break;
			}

			case 'W': {
				// A pattern type: `u32 is 1..=5`.
				this.type();
				this.print(' is ');
				this.pattern();
				break;
			}

			default: {
				// A named type: the tag starts a path.
				this.position--;
				this.path(false);
			}
		}

		this.leave();
	}

	private fnSig(): void {
		const isUnsafe = this.eat('U');
		let abi: string | undefined;
		if (this.eat('K')) {
			if (this.eat('C')) {
				abi = 'C';
			} else {
				const ident = this.ident();
				if (ident.ascii === '' || ident.punycode !== '') {
					throw invalid;
				}

				// rustc wrote `-` as `_`: `extern "C-unwind"`.
				abi = ident.ascii.replaceAll('_', '-');
			}
		}

		this.print(`${isUnsafe ? 'unsafe ' : ''}${abi === undefined ? '' : `extern "${abi}" `}fn(`);
		this.list(() => this.type(), ', ');
		this.print(')');
		if (!this.eat('u')) {
			this.print(' -> ');
			this.type();
		}
	}

	/** A trait of a `dyn`, with its associated type bindings inside its generic arguments: `Iterator<Item = u8>`. */
	private dynTrait(): void {
		let open = this.pathMaybeOpenGenerics();
		while (this.eat('p')) {
			this.print(open ? ', ' : '<');
			open = true;
			this.print(`${identText(this.ident())} = `);
			if (this.eat('K')) {
				this.constant(false);
			} else {
				this.type();
			}
		}

		if (open) {
			this.print('>');
		}
	}

	/** A path whose generic arguments are left open (no `>`), so that bindings can follow; returns whether they were. */
	private pathMaybeOpenGenerics(): boolean {
		if (this.eat('B')) {
			let open = false;
			this.backref(() => {
				open = this.pathMaybeOpenGenerics();
			});
			return open;
		}

		if (this.eat('I')) {
			this.path(false);
			this.print('<');
			this.list(() => this.genericArg(), ', ');
			return true;
		}

		this.path(false);
		return false;
	}

	private pattern(): void {
		const tag = this.next();
		switch (tag) {
			case 'R': {
				this.constant(false);
				this.print('..=');
				this.constant(false);
				break;
			}

			case 'O': {
				this.enter();
				this.pattern();
				while (!this.eat('E')) {
					this.print(' | ');
					this.pattern();
				}

				this.leave();
				break;
			}

			case 'N': {
				this.print('!null');
				break;
			}

			default: {
				throw invalid;
			}
		}
	}

	/** Lowercase hex digits up to `_`. */
	private hexNibbles(): string {
		const start = this.position;
		for (;;) {
			const character = this.next();
			if (character === '_') {
				return this.sym.slice(start, this.position - 1);
			}

			if (!((character >= '0' && character <= '9') || (character >= 'a' && character <= 'f'))) {
				throw invalid;
			}
		}
	}

	/** A const generic argument or a value inside one; braces around what is not a literal, outside a value. */
	// eslint-disable-next-line max-lines-per-function -- one case per const tag of the v0 grammar, in its order, as type() does.
	private constant(inValue: boolean): void {
		const tag = this.next();
		this.enter();
		let braced = false;
		const brace = () => {
			if (!inValue) {
				braced = true;
				this.print('{');
			}
		};

		switch (tag) {
			case 'p': {
				this.print('_');
				break;
			}

			case 'h':
			case 't':
			case 'm':
			case 'y':
			case 'o':
			case 'j': {
				this.print(uintText(this.hexNibbles()));
				break;
			}

			case 'a':
			case 's':
			case 'l':
			case 'x':
			case 'n':
			case 'i': {
				if (this.eat('n')) {
					this.print('-');
				}

				this.print(uintText(this.hexNibbles()));
				break;
			}

			case 'b': {
				const value = smallUint(this.hexNibbles());
				if (value !== 0n && value !== 1n) {
					throw invalid;
				}

				this.print(value === 1n ? 'true' : 'false');
				break;
			}

			case 'c': {
				const value = smallUint(this.hexNibbles());
				if (value === undefined || value > 0x10_FF_FFn || (value >= 0xD8_00n && value <= 0xDF_FFn)) {
					throw invalid;
				}

				this.print(quoted('\'', String.fromCodePoint(Number(value))));
				break;
			}

			case 'e': {
				brace();
				this.print('*');
				this.print(quoted('"', utf8Text(this.hexNibbles())));
				break;
			}

			case 'R':
			case 'Q': {
				if (tag === 'R' && this.eat('e')) {
					this.print(quoted('"', utf8Text(this.hexNibbles())));
				} else {
					brace();
					this.print(tag === 'R' ? '&' : '&mut ');
					this.constant(true);
				}

				break;
			}

			case 'A': {
				brace();
				this.print('[');
				this.list(() => this.constant(true), ', ');
				this.print(']');
				break;
			}

			case 'T': {
				brace();
				this.print('(');
				if (this.list(() => this.constant(true), ', ') === 1) {
					this.print(',');
				}

				this.print(')');
				break;
			}

			case 'V': {
				brace();
				this.path(true);
				const kind = this.next();
				if (kind === 'T') {
					this.print('(');
					this.list(() => this.constant(true), ', ');
					this.print(')');
				} else if (kind === 'S') {
					this.print(' { ');
					this.list(() => {
						this.disambiguator();
						this.print(`${identText(this.ident())}: `);
						this.constant(true);
					}, ', ');
					this.print(' }');
				} else if (kind !== 'U') {
					throw invalid;
				}

				break;
			}

			case 'B': {
				this.backref(() => this.constant(inValue));
				break;
			}

			default: {
				throw invalid;
			}
		}

		if (braced) {
			this.print('}');
		}

		this.leave();
	}
}

function digit62(character: string): number {
	const code = character.codePointAt(0)!;
	if (code >= 48 && code <= 57) {
		return code - 48;
	}

	if (code >= 97 && code <= 122) {
		return code - 97 + 10;
	}

	if (code >= 65 && code <= 90) {
		return code - 65 + 36;
	}

	throw invalid;
}

/** The value of hex nibbles when it fits in u64, else undefined. */
function smallUint(nibbles: string): bigint | undefined {
	const digits = nibbles.replace(/^0+/, '');
	return digits.length > 16 ? undefined : BigInt(`0x${digits || '0'}`);
}

/** A const integer in decimal, or `0x…` verbatim past u64 (as rustc-demangle); the alternate form has no type suffix. */
function uintText(nibbles: string): string {
	const value = smallUint(nibbles);
	return value === undefined ? `0x${nibbles}` : String(value);
}

/** Hex-encoded UTF-8 bytes of a `str` const, decoded; invalid UTF-8 is an invalid symbol. */
function utf8Text(nibbles: string): string {
	if (nibbles.length % 2 !== 0) {
		throw invalid;
	}

	const bytes = new Uint8Array(nibbles.length / 2);
	for (let index = 0; index < bytes.length; index++) {
		bytes[index] = Number.parseInt(nibbles.slice(index * 2, index * 2 + 2), 16);
	}

	try {
		return new TextDecoder('utf-8', {fatal: true}).decode(bytes);
	} catch {
		throw invalid;
	}
}

/** A char or string literal as Rust's `escape_debug` writes it, in `quote`s (the other quote is not escaped). */
function quoted(quote: '\'' | '"', text: string): string {
	let out = quote;
	for (const character of text) {
		out += character === quote ? `\\${quote}` : escapeDebug(character);
	}

	return out + quote;
}

const escapes: Record<string, string> = {'\t': '\\t', '\r': '\\r', '\n': '\\n', '\\': '\\\\', '\0': '\\0'};

/** Rust's `char::escape_debug` for one character: named escapes, `\u{…}` for controls and invisible characters. */
function escapeDebug(character: string): string {
	const named = escapes[character];
	if (named !== undefined) {
		return named;
	}

	return /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Co}\p{Cn}\p{Mn}]/u.test(character) || (character !== ' ' && /\p{Zs}/u.test(character))
		? `\\u{${character.codePointAt(0)!.toString(16)}}`
		: character;
}

/** Punycode (RFC 3492) inserted into the ASCII part; past 128 characters, or malformed: `punycode{…}` as rustc-demangle prints it. */
function identText({ascii, punycode}: Ident): string {
	if (punycode === '') {
		return ascii;
	}

	const decoded = punycodeDecode(ascii, punycode);
	return decoded ?? `punycode{${ascii === '' ? '' : `${ascii}-`}${punycode}}`;
}

function punycodeDecode(ascii: string, punycode: string): string | undefined {
	const out = [...ascii];
	const base = 36;
	const tMin = 1;
	const tMax = 26;
	const skew = 38;
	let damp = 700;
	let bias = 72;
	let index = 0;
	let code = 0x80;
	let position = 0;
	for (;;) {
		let delta = 0;
		let weight = 1;
		for (let k = base; ; k += base) {
			const character = punycode[position++];
			if (character === undefined) {
				return undefined;
			}

			const digit = character >= 'a' && character <= 'z' ? character.codePointAt(0)! - 97 : (character >= '0' && character <= '9' ? character.codePointAt(0)! - 48 + 26 : -1);
			if (digit === -1) {
				return undefined;
			}

			delta += digit * weight;
			const threshold = Math.min(Math.max(k - bias, tMin), tMax);
			if (digit < threshold) {
				break;
			}

			weight *= base - threshold;
			// Exact in a double up to 2^53; past 2^52 the code point would be far beyond Unicode anyway.
			if (delta > 2 ** 52 || weight > 2 ** 52) {
				return undefined;
			}
		}

		const length = out.length + 1;
		index += delta;
		code += Math.floor(index / length);
		index %= length;
		if (code > 0x10_FF_FF || (code >= 0xD8_00 && code <= 0xDF_FF) || length > 128) {
			return undefined;
		}

		out.splice(index, 0, String.fromCodePoint(code));
		index++;
		if (position >= punycode.length) {
			return out.join('');
		}

		delta = Math.floor(delta / damp);
		damp = 2;
		delta += Math.floor(delta / length);
		let k = 0;
		while (delta > ((base - tMin) * tMax) / 2) {
			delta = Math.floor(delta / (base - tMin));
			k += base;
		}

		bias = k + Math.floor(((base - tMin + 1) * delta) / (delta + skew));
	}
}

// ---- legacy (`_ZN…17h<hash>E`) ----

const legacyEscapes: Record<string, string> = {SP: '@', BP: '*', RF: '&', LT: '<', GT: '>', LP: '(', RP: ')', C: ','};

function demangleLegacy(inner: string): string {
	const elements: string[] = [];
	let position = 0;
	while (inner[position] !== 'E') {
		let length = 0;
		const start = position;
		for (let digit = inner.codePointAt(position); digit !== undefined && digit >= 48 && digit <= 57; digit = inner.codePointAt(++position)) {
			length = length * 10 + digit - 48;
			if (length > inner.length) {
				throw invalid;
			}
		}

		if (position === start) {
			throw invalid;
		}

		if (position + length > inner.length) {
			throw invalid;
		}

		elements.push(inner.slice(position, position + length));
		position += length;
	}

	const hash = elements.at(-1);
	// Legacy Rust names end in the crate hash; a `_ZN…E` name without one is C++.
	if (elements.length < 2 || !hash || !/^h[\da-f]{16}$/.test(hash)) {
		throw invalid;
	}

	return elements.slice(0, -1).map(element => legacyElement(element)).join('::') + suffixOf(inner.slice(position + 1));
}

/** One path element: `$LT$` and friends, `$u20$` code points, `..` for `::`; an unknown escape ends the decoding (the rest verbatim). */
function legacyElement(element: string): string {
	let rest = element.startsWith('_$') ? element.slice(1) : element;
	let out = '';
	while (rest !== '') {
		if (rest.startsWith('.')) {
			const double = rest.startsWith('..');
			out += double ? '::' : '.';
			rest = rest.slice(double ? 2 : 1);
		} else if (rest.startsWith('$')) {
			const end = rest.indexOf('$', 1);
			if (end === -1) {
				break;
			}

			const escape = rest.slice(1, end);
			const known = legacyEscapes[escape] ?? unicodeEscape(escape);
			if (known === undefined) {
				break;
			}

			out += known;
			rest = rest.slice(end + 1);
		} else {
			const next = rest.search(/[$.]/);
			if (next === -1) {
				break;
			}

			out += rest.slice(0, next);
			rest = rest.slice(next);
		}
	}

	return out + rest;
}

function unicodeEscape(escape: string): string | undefined {
	if (!/^u[\da-f]+$/.test(escape) || escape.length > 9) {
		return undefined;
	}

	const code = Number.parseInt(escape.slice(1), 16);
	if (code > 0x10_FF_FF || (code >= 0xD8_00 && code <= 0xDF_FF)) {
		return undefined;
	}

	const character = String.fromCodePoint(code);
	return /\p{Cc}/u.test(character) ? undefined : character;
}
