import path from 'node:path';
import {UnsafeInputError} from '../common/input-error.js';
import {isKbuildName, kbuildWord, type KbuildFlag} from '../kbuild/kbuild-word.js';

export type KbuildFlags = {
	/** The preprocessor flags, as data; kbuildSymtypes writes them into the generated Kbuild. */
	flags: KbuildFlag[];
	/** Tree-relative directories those -I flags name, whose headers must be copied too. */
	directories: string[];
};

const assignment = /^\s*(ccflags-(?:y|\$\((CONFIG_\w+)\))|subdir-ccflags-(?:y|\$\((CONFIG_\w+)\))|CFLAGS_([\w./-]+)\.o|AFLAGS_([\w./-]+)\.o|asflags-y|EXTRA_CFLAGS)\s*(?::=|\+=|=)\s*(.*)$/;

const escape = (text: string) => text.replaceAll(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
The preprocessor flags the Makefiles give a file, as kbuild would: `ccflags-y` and
`CFLAGS_<object>.o` of the Makefile that builds it (its own directory's, or a parent's that
names it as `sub/dir/stem.o`), and `subdir-ccflags-y` of every parent. `ccflags-$(CONFIG_X)`
counts only when X is y (kbuild reads ccflags-y, never ccflags-m). In an external-module build
`$(srctree)` is the headers directory, so paths into the tree that the headers package lacks are
pointed at the temporary tree instead. Only -I, -D, -U, -include and -iquote are kept.

The Makefiles are data, never make or shell text: a kept flag that make or the shell would
interpret (a function call, `$$`, a backquote, `;`, a quote left open…) or whose path leaves the
source tree and the headers directory is refused, naming the Makefile and line; a flag that
needs a variable kmodx cannot know (`-I$(FULL_AMD_PATH)/include`) is left out, as everything but
those five options is. `origin` names the source in the refusal.
*/
export function kbuildFlags(file: string, makefiles: ReadonlyMap<string, Uint8Array>, config: ReadonlyMap<string, string>, origin: string): KbuildFlags {
	const object = file.replace(/\.[cS]$/, '');
	const flags = new Map<string, KbuildFlag>();
	const directories = new Set<string>();
	for (let directory = path.posix.dirname(file); directory !== '.' && directory !== ''; directory = path.posix.dirname(directory)) {
		// Kbuild reads Kbuild in preference to Makefile.
		const name = makefiles.has(`${directory}/Kbuild`) ? `${directory}/Kbuild` : `${directory}/Makefile`;
		const data = makefiles.get(name);
		if (!data) {
			continue;
		}

		const text = Buffer.from(data).toString('latin1');
		const relative = path.posix.relative(directory, object);
		const builds = directory === path.posix.dirname(file) || new RegExp(`(^|[\\s=])${escape(relative)}\\.o(\\s|$)`, 'm').test(text.replaceAll(/\\\n/g, ' '));
		for (const {line, number} of logicalLines(text)) {
			const match = assignment.exec(line);
			if (!match) {
				continue;
			}

			const [, , ccConfig, subdirConfig, cObject, aObject, value] = match;
			const condition = ccConfig ?? subdirConfig;
			const applies = (builds || match[1]!.startsWith('subdir-'))
				&& (cObject === undefined || cObject === relative) && (aObject === undefined || aObject === relative)
				&& (condition === undefined || config.get(condition) === 'y');
			if (!applies) {
				continue;
			}

			const refuse = (problem: string) => new UnsafeInputError(origin, `${name}:${number}: ${problem}; kmodx hands no text of a source tree to make or the shell`);
			for (const flag of preprocessorFlags(value!, directory, refuse)) {
				if (flag.base === 'tree') {
					directories.add(flag.option === '-include' ? path.posix.dirname(flag.value) : flag.value);
				}

				flags.set(`${flag.base ?? ''}\0${flag.option}${flag.value}`, flag);
			}
		}
	}

	return {flags: [...flags.values()], directories: [...directories]};
}

/** Make's logical lines: continuations joined, comments cut, each with the number of its first line. */
function logicalLines(text: string): Array<{line: string; number: number}> {
	const result: Array<{line: string; number: number}> = [];
	const physical = text.split('\n');
	for (let index = 0; index < physical.length; index++) {
		const number = index + 1;
		let line = physical[index]!;
		while (/(^|[^\\])(\\\\)*\\$/.test(line) && index + 1 < physical.length) {
			line = `${line.slice(0, -1)} ${physical[++index]!}`;
		}

		// An unescaped # starts a comment (make reads `\#` as a literal #, which kbuildWord refuses later).
		const comment = /(^|[^\\])#/.exec(line);
		result.push({line: comment ? line.slice(0, comment.index + comment[1]!.length) : line, number});
	}

	return result;
}

/** A word of a flag value, as the shell would see it after make, and what keeps kmodx from passing it on. */
type Word = {
	/** The text, with `$(srctree)` as `srctree` and `$(src)`/`$(obj)` as `source` (characters no Makefile can hold). */
	text: string;
	/** How the Makefile spelled it, for a refusal. */
	raw: string;
	/** Make or the shell would interpret it: never passed on. */
	problem?: string;
	/** It names a make variable kmodx cannot know: left out. */
	unknown?: boolean;
};

// What separates words for make and for the shell (not JavaScript's \s, which holds U+00A0).
const blank = /[ \t\n]/;
const srctree = '\uE000';
const source = '\uE001';
const known = new Map([['srctree', srctree], ['src', source], ['obj', source]]);
const operators = new Map([[';', 'a ;'], ['|', 'a |'], ['&', 'an &'], ['<', 'a <'], ['>', 'a >'], ['(', 'a ('], [')', 'a )'], ['`', 'a backquote'], ['*', 'a *'], ['?', 'a ?'], ['[', 'a ['], ['~', 'a ~']]);

/**
Words of a make variable's value the way the recipe's shell would split them, make's own syntax
first: `$(srctree)`, `$(src)` and `$(obj)` are understood; another `$(NAME)` makes the word
unknown; any other `$` (a function call such as `$(shell …)`, `$$`, `$@`) and the shell's
operators, backquotes, globs and unclosed quotes are problems.
*/
// eslint-disable-next-line max-lines-per-function -- one character loop with the shell's quoting states in it, the way sh reads a word.
export function flagWords(value: string): Word[] {
	const words: Word[] = [];
	let word: Word | undefined;
	let start = 0;
	let quote: string | undefined;
	const add = (text: string) => {
		word ??= {text: '', raw: ''};
		word.text += text;
	};

	const flag = (problem: string) => {
		word ??= {text: '', raw: ''};
		word.problem ??= problem;
	};

	const finish = (end: number) => {
		if (word) {
			word.raw = value.slice(start, end);
			words.push(word);
			word = undefined;
		}
	};

	for (let index = 0; index < value.length; index++) {
		const char = value[index]!;
		if (word === undefined && !blank.test(char)) {
			start = index;
		}

		if (char === '$') {
			const reference = /^\$(?:\(([A-Za-z_][\w-]*)\)|\{([A-Za-z_][\w-]*)\})/.exec(value.slice(index));
			const name = reference?.[1] ?? reference?.[2];
			if (reference && name) {
				const meaning = known.get(name);
				if (meaning === undefined) {
					word ??= {text: '', raw: ''};
					word.unknown = true;
				}

				add(meaning ?? reference[0]);
				index += reference[0].length - 1;
				continue;
			}

			const open = value[index + 1];
			if (open === '(' || open === '{') {
				// A function call or a computed name: skip to its end so that its spaces do not split the word.
				const close = open === '(' ? ')' : '}';
				let depth = 0;
				let end = index + 1;
				for (; end < value.length; end++) {
					if (value[end] === open) {
						depth++;
					} else if (value[end] === close && --depth === 0) {
						break;
					}
				}

				flag(/^\$[({]shell\b/.test(value.slice(index)) ? "make's $(shell …)" : 'a make function call or computed variable');
				add(value.slice(index, end + 1));
				index = end;
				continue;
			}

			flag(open === '$' ? 'a $$ (a $ for the shell)' : 'a $ make would expand');
			add(value.slice(index, index + 2));
			index++;
			continue;
		}

		if (quote === '\'') {
			if (char === '\'') {
				quote = undefined;
			} else {
				add(char);
			}

			continue;
		}

		if (quote === '"') {
			if (char === '"') {
				quote = undefined;
			} else if (char === '\\' && (value[index + 1] === '"' || value[index + 1] === '\\')) {
				add(value[++index]!);
			} else {
				if (char === '`' || char === '\\') {
					flag(char === '`' ? 'a backquote' : 'a backslash');
				}

				add(char);
			}

			continue;
		}

		if (blank.test(char)) {
			finish(index);
			continue;
		}

		if (char === '\'' || char === '"') {
			quote = char;
			add('');
			continue;
		}

		if (char === '\\') {
			if (index + 1 < value.length) {
				add(value[++index]!);
			} else {
				flag('a backslash at the end');
			}

			continue;
		}

		const operator = operators.get(char);
		if (operator && !(char === '~' && word !== undefined)) {
			flag(`${operator} the shell would interpret`);
		}

		add(char);
	}

	if (quote) {
		flag('an unclosed quote');
	}

	finish(value.length);
	return words;
}

const options = ['-include', '-iquote', '-I', '-D', '-U'] as const;
const shown = (text: string) => JSON.stringify(text.length > 80 ? `${text.slice(0, 77)}...` : text);

/** The flags of a value kmodx passes on, with tree paths resolved; throws `refuse(problem)` on a kept flag it must not pass. */
function preprocessorFlags(value: string, directory: string, refuse: (problem: string) => Error): KbuildFlag[] {
	const words = flagWords(value);
	const result: KbuildFlag[] = [];
	for (let index = 0; index < words.length; index++) {
		let word = words[index]!;
		const option = options.find(name => word.text.startsWith(name));
		if (option === undefined) {
			continue;
		}

		// `-I dir`, `-include file`: the argument is the next word.
		if (word.text === option && index + 1 < words.length) {
			const next = words[++index]!;
			word = {text: `${option}${next.text}`, raw: `${word.raw} ${next.raw}`, problem: word.problem ?? next.problem, unknown: word.unknown ?? next.unknown};
		}

		if (word.problem) {
			throw refuse(`refused ${option} flag ${shown(word.raw)}: it holds ${word.problem}`);
		}

		if (word.unknown) {
			continue;
		}

		const argument = word.text.slice(option.length);
		if (option === '-D' || option === '-U') {
			if (argument.includes(srctree) || argument.includes(source)) {
				continue; // A macro spelling the tree's location (-DSRC=$(src)): left out.
			}

			if (kbuildWord(word.text) === undefined) {
				throw refuse(`refused ${option} flag ${shown(word.raw)}: it holds characters make or the shell would interpret`);
			}

			if (!(option === '-U' ? /^[A-Za-z_]\w*$/ : /^[A-Za-z_]\w*(\([\w, ]*\))?(=.*)?$/).test(argument)) {
				continue; // Not a macro definition (gcc would refuse it): left out.
			}

			result.push({option, value: argument});
			continue;
		}

		const target = includePath(argument, directory);
		if (target.kind === 'unknown') {
			continue;
		}

		if (target.kind === 'outside') {
			throw refuse(`refused ${option} flag ${shown(word.raw)}: it names ${target.path}, outside the source tree and the headers directory`);
		}

		if (!isKbuildName(target.path) && target.path !== '.') {
			throw refuse(`refused ${option} flag ${shown(word.raw)}: its path holds characters make or the shell would interpret`);
		}

		result.push({option, value: target.path, base: target.kind});
	}

	return result;
}

/** Where a path of a flag points: into the tree, into the headers package, outside both (refused), or unknown. */
function includePath(raw: string, directory: string): {kind: 'tree' | 'headers' | 'outside' | 'unknown'; path: string} {
	let relative: string;
	if (raw.startsWith(`${srctree}/${source}`)) {
		relative = path.posix.join(directory, raw.slice(3));
	} else if (raw.startsWith(source)) {
		relative = path.posix.join(directory, raw.slice(1));
	} else if (raw.startsWith(`${srctree}/`) || raw === srctree) {
		relative = raw.slice(2) || '.';
	} else if (raw.startsWith('/')) {
		return {kind: 'outside', path: path.posix.normalize(raw)};
	} else {
		relative = raw; // Old style: relative to the tree's top.
	}

	if (relative === '' || relative.includes(srctree) || relative.includes(source)) {
		return {kind: 'unknown', path: relative};
	}

	relative = path.posix.normalize(relative).replace(/(.)\/$/, '$1');
	if (relative === '..' || relative.startsWith('../') || relative.startsWith('/')) {
		return {kind: 'outside', path: relative};
	}

	// What the headers package carries stays pointed at it.
	if (/^(include|arch\/[^/]+\/include)(\/|$)/.test(relative)) {
		return {kind: 'headers', path: relative};
	}

	return {kind: 'tree', path: relative};
}
