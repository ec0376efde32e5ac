/*
What a kernel source file says about exports and local headers, read from its bytes the way a
person greps the tree: no preprocessing. Exports spelled through a macro that pastes tokens
(`EXPORT_SYMBOL(name##_foo)` inside a #define) are not found this way. The scans look for their
keyword with Buffer.indexOf and decode only a short window around each hit: the index reads a
1.3 GB tree, and turning every file into a string costs more than the search.
*/

// Needles as bytes: Buffer.indexOf would encode a string needle on every call.
const exportNeedle = Buffer.from('EXPORT_');
const includeNeedle = Buffer.from('include');
const exportCall = /^(\w*EXPORT_[A-Z\d_]*)[ \t]*\([ \t\\\r\n]*([A-Za-z_]\w*)/;
const includeTail = /^include[ \t]*"([^"\n]+)"/;

/** The symbols a macro call exports, given the macro and its first argument. */
function exported(macro: string, name: string): string[] {
	// include/linux/tracepoint.h: the tracepoint, its iterator and its static call's key and trampoline.
	if (macro === 'EXPORT_TRACEPOINT_SYMBOL' || macro === 'EXPORT_TRACEPOINT_SYMBOL_GPL') {
		return [`__tracepoint_${name}`, `__traceiter_${name}`, `__SCK__tp_func_${name}`, `__SCT__tp_func_${name}`];
	}

	// include/linux/static_call.h: STATIC_CALL_KEY() and STATIC_CALL_TRAMP().
	if (macro === 'EXPORT_STATIC_CALL' || macro === 'EXPORT_STATIC_CALL_GPL') {
		return [`__SCK__${name}`, `__SCT__${name}`];
	}

	if (macro === 'EXPORT_STATIC_CALL_TRAMP' || macro === 'EXPORT_STATIC_CALL_TRAMP_GPL') {
		return [`__SCT__${name}`];
	}

	// EXPORT_SYMBOL{,_GPL,_NS,_NS_GPL,_GPL_FUTURE,_FOR_TESTS_ONLY,_IF_KUNIT}, EXPORT_PER_CPU_SYMBOL*,
	// EXPORT_UNUSED_SYMBOL*, the PM ops (include/linux/pm.h) and the indirect-call wrapper all
	// export their first argument under its own name.
	if (macro.startsWith('EXPORT_') && (macro.includes('SYMBOL') || macro.endsWith('_DEV_PM_OPS') || macro === 'EXPORT_INDIRECT_CALLABLE')) {
		return [name];
	}

	// Subsystems' wrappers: ACPI_EXPORT_SYMBOL (acpica), IWL_EXPORT_SYMBOL (iwlwifi).
	if (/^[A-Z\d]+_EXPORT_SYMBOL(_\w+)?$/.test(macro)) {
		return [name];
	}

	return [];
}

const isWordByte = (byte: number | undefined) => byte !== undefined && ((byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte === 0x5F);

const asBuffer = (data: Uint8Array) => (Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength));

/**
Where a macro whose name holds EXPORT_ starts, with the text from there: the whole name, for a
wrapper such as ACPI_EXPORT_SYMBOL starts before the hit; a longer word is not a macro call.
*/
function * exportMacros(bytes: Buffer): Generator<{start: number; text: string}> {
	for (let at = bytes.indexOf(exportNeedle); at !== -1; at = bytes.indexOf(exportNeedle, at + 7)) {
		let start = at;
		while (start > 0 && at - start < 32 && isWordByte(bytes[start - 1])) {
			start--;
		}

		if (!isWordByte(bytes[start - 1])) {
			yield {start, text: bytes.toString('latin1', start, Math.min(bytes.length, at + 256))};
		}
	}
}

/** Symbols exported by a `.c` or `.S` file. */
export function scanExports(data: Uint8Array): string[] {
	const bytes = asBuffer(data);
	const names = new Set<string>();
	for (const {start, text} of exportMacros(bytes)) {
		const match = exportCall.exec(text);
		if (!match) {
			continue;
		}

		// Inside `#define kstrto_from_user(f, g, type)`, EXPORT_SYMBOL(f) exports what each use of the macro passes as f.
		const macro = enclosingMacro(bytes, start);
		const position = macro?.parameters.indexOf(match[2]!) ?? -1;
		const arguments_ = position === -1 ? [match[2]!] : macroArguments(bytes, macro!.name, position);
		for (const argument of arguments_) {
			for (const name of exported(match[1]!, argument)) {
				names.add(name);
			}
		}
	}

	return [...names];
}

/** The identifier each use of macro `name` in the file passes at `position` (lib/kstrtox.c: kstrto_from_user(kstrtoull_from_user, …);). */
function macroArguments(bytes: Buffer, name: string, position: number): string[] {
	const uses = new RegExp(`^[ \\t]*${name}[ \\t]*\\(([^;{}]*)\\)`, 'gm');
	const found: string[] = [];
	for (const use of bytes.toString('latin1').matchAll(uses)) {
		const argument = use[1]!.split(',')[position]?.trim();
		if (argument && /^[A-Za-z_]\w*$/.test(argument)) {
			found.push(argument);
		}
	}

	return found;
}

const pastedArgument = /^(\w*EXPORT_[A-Z\d_]*)[ \t]*\([ \t\\\r\n]*([\w \t]*##[\w# \t]*)[,)]/;

/**
Exports whose names a macro pastes together (kernel/params.c: `EXPORT_SYMBOL(param_set_##name)`
inside `#define STANDARD_PARAM_DEF(name, …)`), as patterns: the macro's parameters match any
name (`^param_set_\w+$`). Which instance exists is settled later, by preprocessing the file.
Patterns without a literal part of three characters would match anything and are left out.
*/
export function scanExportPatterns(data: Uint8Array): string[] {
	const bytes = asBuffer(data);
	const patterns = new Set<string>();
	for (const {start, text} of exportMacros(bytes)) {
		const match = pastedArgument.exec(text);
		const parameters = match ? new Set(enclosingMacro(bytes, start)?.parameters) : undefined;
		if (!match || !parameters || parameters.size === 0 || exported(match[1]!, 'x').length === 0) {
			continue;
		}

		const parts = match[2]!.split('##').map(part => part.trim());
		if (parts.some(part => !/^\w+$/.test(part)) || parts.every(part => parameters.has(part)) || !parts.some(part => !parameters.has(part) && part.length >= 3)) {
			continue;
		}

		patterns.add(`^${parts.map(part => (parameters.has(part) ? '\\w+' : part)).join('')}$`);
	}

	return [...patterns];
}

/** The function-like #define whose body holds `at` (its lines joined by backslashes), if any. */
function enclosingMacro(bytes: Buffer, at: number): {name: string; parameters: string[]} | undefined {
	let lineStart = bytes.lastIndexOf(0x0A, at - 1) + 1;
	for (let lines = 0; lines < 200; lines++) {
		const line = bytes.toString('latin1', lineStart, Math.min(bytes.length, lineStart + 512));
		const define = /^[ \t]*#[ \t]*define[ \t]+(\w+)\(([^)]*)\)/.exec(line);
		if (define) {
			return {name: define[1]!, parameters: define[2]!.split(',').map(parameter => parameter.trim()).filter(Boolean)};
		}

		// The line before must end in a backslash for this one to belong to the same macro.
		if (lineStart === 0) {
			return undefined;
		}

		let end = lineStart - 2;
		while (end >= 0 && (bytes[end] === 0x20 || bytes[end] === 0x09 || bytes[end] === 0x0D)) {
			end--;
		}

		if (bytes[end] !== 0x5C) {
			return undefined;
		}

		lineStart = bytes.lastIndexOf(0x0A, lineStart - 2) + 1;
	}

	return undefined;
}

/** `#include "…"` targets, as written. */
export function quotedIncludes(data: Uint8Array): string[] {
	const bytes = asBuffer(data);
	const names = new Set<string>();
	for (let at = bytes.indexOf(includeNeedle); at !== -1; at = bytes.indexOf(includeNeedle, at + 7)) {
		// Only blanks and one '#' between the line's start and the keyword.
		let back = at - 1;
		while (back >= 0 && (bytes[back] === 0x20 || bytes[back] === 0x09)) {
			back--;
		}

		if (bytes[back] !== 0x23) {
			continue;
		}

		back--;
		while (back >= 0 && (bytes[back] === 0x20 || bytes[back] === 0x09)) {
			back--;
		}

		if (back >= 0 && bytes[back] !== 0x0A) {
			continue;
		}

		const match = includeTail.exec(bytes.toString('latin1', at, Math.min(bytes.length, at + 512)));
		if (match) {
			names.add(match[1]!);
		}
	}

	return [...names];
}
