import path from 'node:path';

/*
Everything kmodx writes into a generated Kbuild file or passes to make ends up twice in a
language: make expands it (`$`, `#`, `\`) and kbuild's recipes hand it, unquoted, to /bin/sh.
Text that comes from an input (a source tree's Makefiles and file names) is data, so it goes
through kbuildWord: it comes out as one word that make and the shell both leave exactly as it
was, or not at all (the caller refuses the input).
*/

/** Characters that mean nothing to make, in an assignment or a recipe, nor to the shell, anywhere in a word. */
const inert = /^[\w./,+=:@-]+$/;
/** Characters that mean something to the shell, but not inside single quotes, and nothing to make. */
const quotable = /^[\w./,+=:@ "()-]+$/;

/**
`value` as one word of a Kbuild line or recipe that make and the shell both pass on unchanged;
undefined when no quoting carries it through both. Inert text stays as it is; text with
spaces, double quotes or parentheses (`-DDEFAULT_SYMBOL_NAMESPACE="CXL"`) is single-quoted.
Make's word functions (kbuild's filter-out) join words with one space, so a leading, trailing
or doubled space is refused; `$`, `#`, `\`, quotes, backquotes, `;|&<>`, glob characters,
control characters and anything beyond ASCII always are.
*/
export function kbuildWord(value: string): string | undefined {
	if (inert.test(value)) {
		return value;
	}

	if (quotable.test(value) && !/^ | $| {2}/.test(value)) {
		return `'${value}'`;
	}

	return undefined;
}

/** One path component of a name from an input: inert, not an option (`-f…`), not hidden or `..`. */
const nameComponent = /^\w[\w.,+-]*$/;

/**
Whether kbuild may use `name`, a tree-relative path from an input (`drivers/char/misc.c`),
unquoted: in rule targets, object lists and make's command line.
*/
export function isKbuildName(name: string): boolean {
	return name.split('/').every(component => nameComponent.test(component));
}

/** A preprocessor flag read from a source tree's Makefile, as data: where its path points, not how the Makefile spelled it. */
export type KbuildFlag = {
	option: '-I' | '-iquote' | '-include' | '-D' | '-U';
	/** The macro definition (`FOO=1`), or a normalized path relative to `base`. */
	value: string;
	/** For a path: the temporary source tree, or the headers package's source tree (kbuild's srctree). */
	base?: 'tree' | 'headers';
};

/** The argument the preprocessor gets for `flag`, with its path made absolute. */
export function flagArgument(flag: KbuildFlag, roots: {tree: string; headers: string}): string {
	return `${flag.option}${flag.base ? path.posix.join(roots[flag.base], flag.value) : flag.value}`;
}
