/* eslint-disable no-restricted-syntax -- the page is made from the fixed help texts: a few hundred lines. */
import {commandHelp} from './command-help.js';
import {helpLines} from '../ui/keys.js';
import {helpText} from './options.js';

/*
kmodx(1), made from the texts `--help` prints (options.ts and command-help.ts), so that the two
cannot drift: the full help's sections become the page's, each option line a tagged paragraph,
and each command's help its own subsection. Written into build/man by scripts/make-docs.js.
*/

/**
Text as roff reads it: a backslash is `\e`, a minus `\-`, other than ASCII `\[uXXXX]` (troff reads
bytes); a line never starts a request.
*/
function roff(text: string): string {
	const escaped = text.replaceAll('\\', '\\e').replaceAll('-', '\\-').replace(/^([.'])/, '\\&$1');
	return escaped.replaceAll(/[\u0080-\u{10FFFF}]/gu, char => `\\[u${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}]`);
}

/** The help's section headings: the full help's and each command's. */
const heading = /^(Usage|Options|Exit status|Examples|KERNEL \(.*\))$/;

/** The help's sections: a heading at the help's first indentation, its lines below it. */
function sections(help: string, headingIndent: string): Array<{title: string; lines: string[]}> {
	const result: Array<{title: string; lines: string[]}> = [];
	for (const line of help.replace(/^\n/, '').replace(/\s+$/, '').split('\n')) {
		if (line.startsWith(headingIndent) && line[headingIndent.length] !== ' ' && heading.test(line.trim())) {
			result.push({title: line.trim(), lines: []});
		} else if (result.length > 0) {
			result.at(-1)!.lines.push(line);
		} else if (line.trim() !== '') {
			result.push({title: '', lines: [line]});
		}
	}

	return result;
}

/** Lines with their common indentation removed. */
function dedent(lines: string[]): string[] {
	const indents = lines.filter(line => line.trim() !== '').map(line => /^ */.exec(line)![0].length);
	const common = Math.min(...indents);
	return lines.map(line => line.slice(common));
}

/** Preformatted lines (usage, examples, tables the help aligns itself). */
function preformatted(lines: string[]): string[] {
	return ['.RS 2', '.nf', ...dedent(lines).map(line => roff(line)), '.fi', '.RE'];
}

/** Paragraphs of flowing text, blank lines between them. */
function paragraphs(lines: string[]): string[] {
	const out: string[] = [];
	let current: string[] = [];
	for (const line of [...lines, '']) {
		if (line.trim() === '') {
			if (current.length > 0) {
				out.push('.PP', roff(current.join(' ')));
				current = [];
			}
		} else {
			current.push(line.trim());
		}
	}

	return out;
}

/**
An option line split into its term and description: the term is the options and their values
(`-k, --kernel KERNEL`, `--layout auto|matrix|details`, `--explain, --types LABEL=PATH`), the
description the words from the first one that is neither.
*/
function splitOption(text: string): {term: string; description: string} {
	const words = text.trim().split(/ +/);
	let end = 0;
	// An option opens the line or follows a comma; a value (KINDS, LABEL=PATH, a|b) follows an option.
	for (let previous = ''; end < words.length; previous = words[end++]!) {
		const word = words[end]!;
		const isOption = word.startsWith('-') && (end === 0 || previous.endsWith(','));
		const isValue = !word.startsWith('-') && previous.startsWith('-') && /^([A-Z][A-Z_=[\]…]*|\S*\|\S*),?$/.test(word);
		if (!isOption && !isValue) {
			break;
		}
	}

	return {term: words.slice(0, end).join(' '), description: words.slice(end).join(' ')};
}

/** An option list as tagged paragraphs: a line that starts with `-` opens an option, deeper lines continue it. */
function optionList(lines: string[]): string[] {
	const out: string[] = [];
	const body = dedent(lines.filter(line => line.trim() !== ''));
	const optionIndent = Math.min(...body.filter(line => line.trim().startsWith('-')).map(line => /^ */.exec(line)![0].length));
	for (const line of body) {
		const indent = /^ */.exec(line)![0].length;
		if (line.trim().startsWith('-') && indent <= optionIndent + 4) {
			const {term, description} = splitOption(line);
			out.push('.TP', `.B ${roff(term)}`);
			if (description) {
				out.push(roff(description));
			}
		} else {
			out.push(roff(line.trim()));
		}
	}

	return out;
}

export type ManPageInfo = {version: string; date: string};

/** kmodx(1) in roff (man(7) macros). */
export function manPage({version, date}: ManPageInfo): string {
	const out = [
		`.TH KMODX 1 "${date}" "kmodx ${roff(version)}" "User Commands"`,
		'.SH NAME',
		'kmodx \\- will this kernel module load on that kernel, and if not, why',
	];
	for (const section of sections(helpText, '\t')) {
		const lines = section.lines.map(line => line.replace(/^\t/, ''));
		const title = section.title.replace(/ \(.*$/, '');
		if (title === 'Usage') {
			const usage = lines.filter(line => line.trim().startsWith('$'));
			out.push('.SH SYNOPSIS', ...preformatted(usage.map(line => line.replace('$ ', ''))));
			out.push('.SH DESCRIPTION', ...paragraphs(lines.filter(line => !line.trim().startsWith('$'))));
		} else if (title === 'Options') {
			out.push('.SH OPTIONS', ...optionList(lines));
		} else if (title === 'Examples') {
			out.push('.SH EXAMPLES', ...preformatted(lines));
		} else {
			out.push(`.SH ${roff(title.toUpperCase())}`);
			if (section.title !== title) {
				out.push(roff(section.title.slice(title.length).trim().replace(/^\(|\)$/g, '')));
			}

			out.push(...paragraphs(lines));
		}
	}

	out.push('.SH COMMANDS');
	for (const [command, help] of Object.entries(commandHelp)) {
		out.push(`.SS ${roff(command)}`);
		for (const section of sections(help, '  ')) {
			if (section.title === 'Usage') {
				out.push(...preformatted(section.lines.filter(line => line.trim().startsWith('$')).map(line => line.replace('$ ', ''))));
				// The description follows the usage lines, as paragraphs.
				const rest = section.lines.slice(section.lines.findIndex(line => line.trim().startsWith('$')) + 1);
				out.push(...paragraphs(rest.filter(line => !line.trim().startsWith('$'))));
			} else if (section.title === 'Options') {
				out.push('.PP', 'Options:', ...optionList(section.lines));
			} else {
				out.push('.PP', `${roff(section.title)}:`, ...paragraphs(section.lines).filter(line => line !== '.PP'));
			}
		}
	}

	// The explorer's keys, from the key table its input handling and help are made from.
	out.push('.SH EXPLORER KEYS', '.PP', roff('On a terminal, kmodx MODULE… and kmodx -k A -k B open the explorer:'));
	for (const {keys, help} of helpLines()) {
		out.push('.TP', `.B ${roff(keys)}`, roff(help));
	}

	out.push(
		'.SH ENVIRONMENT',
		'.TP', '.B NO_COLOR', 'When set and not empty, no colors.',
		'.TP', '.B KMODX_CACHE_DIR', 'The cache directory (default $XDG_CACHE_HOME/kmodx); KMODX_NO_CACHE=1 runs without one.',
		'.TP', '.B KMODX_DEBUG', 'With 1, an internal error prints its stack.',
		'.TP', '.B KMODX_ROOT, KMODX_RUNNING_RELEASE', 'For \\fBkmodx hook\\fR: the root the kernels are installed in, and the running kernel\\(aqs release.',
		'.SH SEE ALSO',
		'.BR modprobe (8),',
		'.BR modinfo (8),',
		'.BR depmod (8),',
		'.BR dkms (8),',
		'.BR kernel\\-install (8),',
		'.BR ksymvers (1),',
		'.BR suse\\-kabi\\-tools (5)',
	);
	return `${out.join('\n')}\n`;
}
