import {parseArgs} from 'node:util';
import type {AnyFlags} from 'meow';
import {InputError} from '../common/input-error.js';
import type {CliFlags} from './flags.js';

/** The one definition of kmodx's flags, in meow's format; the help text below describes them. */
export const flagDefinitions = {
	kernel: {type: 'string', shortFlag: 'k', isMultiple: true},
	format: {type: 'string', shortFlag: 'f', choices: ['text', 'json', 'markdown'], default: 'text'},
	json: {type: 'boolean', default: false},
	output: {type: 'string', shortFlag: 'o'},
	force: {type: 'boolean', default: false},
	missingVersion: {type: 'string', choices: ['fatal', 'warn'], default: 'fatal'},
	types: {type: 'string', isMultiple: true},
	explain: {type: 'boolean', default: false},
	color: {type: 'boolean', default: true},
	failOn: {type: 'string'},
	layout: {type: 'string', choices: ['auto', 'matrix', 'details'], default: 'auto'},
	from: {type: 'string'},
	to: {type: 'string'},
	rules: {type: 'string'},
	root: {type: 'string'},
	strict: {type: 'boolean', default: false},
} as const;

export const helpText = `
	Usage
	  $ kmodx [check] MODULE|DIR… [-k KERNEL]…    will the modules load on these kernels?
	  $ kmodx why SYMBOL -k FROM -k TO [--types L=PATH]…   why did the symbol's CRC change?
	  $ kmodx -k A -k B                            browse what changed between two kernels
	  $ kmodx plan MODULE|DIR… -k KERNEL…          the fewest builds that cover the kernels
	  $ kmodx weak-modules MODULE|DIR… --from A --to B   which modules built for A load on B as they are
	  $ kmodx hook RELEASE                         after installing a kernel: which out-of-tree modules break
	  $ kmodx completion bash|zsh|fish             shell completion (kmodx(1) is the manual page)

	  On a terminal \`kmodx MODULE…\` opens the explorer; piped, or with \`check\`, it prints a report.
	  kmodx COMMAND --help: the command's own help.

	KERNEL ([LABEL=]SOURCE, repeatable; default: the running kernel)
	  Module.symvers (any layout; .gz .xz .zst), /boot/symvers-<release>.gz,
	  a kernel headers/build directory, an installed kernel (/lib/modules/<release>
	  with its image; or a root holding one), vmlinux, vmlinuz/bzImage, or a release
	  name looked up in /lib/modules, /usr/src and /boot. An image lists only
	  vmlinux's exports: what it cannot tell is undecided (?), never "loads".

	Options
	  -k, --kernel KERNEL        a kernel to check against (repeatable)
	  -f, --format text|json|markdown   report format (default text)
	      --json                 same as --format json (schema kmodx.check/1)
	  -o, --output FILE          write the report to FILE (refuses to overwrite without --force)
	      --force                overwrite FILE
	      --missing-version fatal|warn
	                             a symbol without CRC in the module: Debian kernels refuse it
	                             (fatal, the default); upstream warns once and accepts (warn)
	      --types LABEL=PATH     type information for a kernel: BTF, vmlinux, vmlinuz, .symtypes
	      --explain              explain CRC mismatches in check reports (needs types; may run
	                             make with a headers directory: kmodx why --help says what)
	      --no-color             no colors (NO_COLOR is honored too)
	      --fail-on KINDS        what makes the exit status non-zero (comma list; default all):
	                             arch, no_versions, crc, missing, gpl_only, namespace,
	                             vermagic, no_version, proprietary_taint (status 1), and
	                             unresolved, an undecided import (status 3); or none
	      --layout auto|matrix|details
	                             text/markdown layout of check: a modules × kernels matrix
	                             (auto: when several modules meet several kernels) or details
	      --from KERNEL          weak-modules: the kernel the modules were built for (optional)
	      --to KERNEL            weak-modules: the kernel to reuse them on
	      --rules FILE           kABI rules: SUSE severities (PATTERN PASS|FAIL lines) or a Red Hat
	                             stablelist; the kernel diff judges each change (exit 1 only for
	                             what they do not tolerate), check names imports off the stablelist
	      --root DIR             hook: the root the kernels are installed in (default /)
	      --strict               hook: exit 1 when a module will not load, 2 on an error (default 0)

	Exit status
	  0 every module loads on every kernel, 1 some do not (only problems of --fail-on count),
	  3 none fails but some verdict is undecided (an import the kernel source cannot tell),
	  2 bad usage or input; plan: 1 when one binary cannot serve every kernel, 3 undecided;
	  weak-modules: 1 when some module needs a rebuild, 3 when some are undecided;
	  kernel diff: 1 when something changed (with --rules: something not tolerated),
	  3 when only undecided exports differ; 70 an internal error (a bug: please report it)

	Examples
	  $ kmodx my_drv.ko -k 6.1.0-56-amd64
	  $ kmodx check my_drv.ko -k old=/usr/src/linux-headers-6.1.0-47-amd64 -k new=/boot/symvers-6.1.0-56-amd64.gz --json
	  $ kmodx check /lib/modules/6.1.0-47-amd64/updates -k 6.1.0-56-amd64 --format markdown -o report.md
	  $ kmodx check /lib/modules/6.1.0-47-amd64/extra -k 6.1.0-50-amd64 -k 6.1.0-56-amd64 --fail-on crc,missing
	  $ kmodx plan my_drv.ko -k 6.1.0-47-amd64 -k 6.1.0-50-amd64 -k 6.1.0-56-amd64
	  $ kmodx plan /usr/src/xtables-addons-3.23/extensions -k /lib/modules/6.1.0-47-amd64 -k 6.1.0-56-amd64
	  $ kmodx weak-modules /lib/modules/6.1.0-47-amd64/extra --from 6.1.0-47-amd64 --to 6.1.0-56-amd64
`;

export type ParsedCli = {input: string[]; flags: CliFlags};

const kebab = (name: string) => name.replaceAll(/[A-Z]/g, letter => `-${letter.toLowerCase()}`);

/**
Importing meow costs 40–60 ms on our 2-core machines, as much as the whole `check` of a module
against five kernels. Plain invocations are therefore read with node:util's parser from the same
definitions; anything it is not sure about (help, version, negated or unknown flags, a value
outside its choices) returns undefined and goes to meow, which owns the CLI's full behavior.
test/cli/options.test.ts checks that both agree.
*/
export function fastParse(argv: string[]): ParsedCli | undefined {
	if (argv.some(argument => argument === '--help' || argument === '--version' || argument.startsWith('--no-'))) {
		return undefined;
	}

	const options: Record<string, {type: 'string' | 'boolean'; short?: string; multiple?: boolean}> = {};
	for (const [name, definition] of Object.entries(flagDefinitions)) {
		options[kebab(name)] = {
			type: definition.type,
			...('shortFlag' in definition ? {short: definition.shortFlag} : {}),
			...('isMultiple' in definition ? {multiple: true} : {}),
		};
	}

	let parsed;
	try {
		parsed = parseArgs({args: argv, options, allowPositionals: true, strict: true});
	} catch {
		return undefined;
	}

	const flags: Record<string, unknown> = {};
	for (const [name, definition] of Object.entries(flagDefinitions)) {
		const value = parsed.values[kebab(name)];
		if (value !== undefined && 'choices' in definition && !(definition.choices as readonly string[]).includes(value as string)) {
			return undefined;
		}

		// Like meow: repeatable flags default to [], absent ones without a default are left out.
		const fallback = 'isMultiple' in definition ? [] : ('default' in definition ? definition.default : undefined);
		if ((value ?? fallback) !== undefined) {
			flags[name] = value ?? fallback;
		}
	}

	return {input: parsed.positionals, flags: normalized(flags)};
}

/**
The flags as commands read them: `--json` is another spelling of `--format json`, decided here
once so that no command asks both.
*/
function normalized({json, ...flags}: Record<string, unknown>): CliFlags {
	return {...flags, format: json === true ? 'json' : flags['format']} as CliFlags;
}

/** Levenshtein distance, for "did you mean". */
function distance(a: string, b: string): number {
	let previous = Array.from({length: b.length + 1}, (_, index) => index);
	for (const [i, charA] of [...a].entries()) {
		const row = [i + 1];
		for (const [j, charB] of [...b].entries()) {
			row.push(Math.min(previous[j + 1]! + 1, row[j]! + 1, previous[j]! + (charA === charB ? 0 : 1)));
		}

		previous = row;
	}

	return previous[b.length]!;
}

/** What the options without choices take, as the help says it. */
export const valueNames: Record<string, string> = {
	kernel: 'KERNEL ([LABEL=]SOURCE)', output: 'FILE', types: 'LABEL=PATH', failOn: 'KINDS (comma list)', from: 'KERNEL', to: 'KERNEL', rules: 'FILE', root: 'DIR',
};

/** How an option is written in messages: `-k/--kernel` or `--types`. */
function optionName(name: string): string {
	const definition = flagDefinitions[name as keyof typeof flagDefinitions];
	return 'shortFlag' in definition ? `-${definition.shortFlag}/--${kebab(name)}` : `--${kebab(name)}`;
}

/**
Refuses, as one line (InputError: status 2), what meow would print as a stack trace or a bare
"Unknown flag", or silently ignore: an unknown option (with the nearest known one), a value
outside an option's choices (with the choices), a value option without its value.
*/
export function checkArguments(argv: string[]): void {
	const byLong = new Map(Object.keys(flagDefinitions).map(name => [kebab(name), name]));
	const byShort = new Map(Object.entries(flagDefinitions).flatMap(([name, definition]) => ('shortFlag' in definition ? [[definition.shortFlag as string, name]] : [])));
	const booleans = new Set(Object.entries(flagDefinitions).filter(([, definition]) => definition.type === 'boolean').map(([name]) => kebab(name)));
	const known = [...byLong.keys(), ...[...booleans].map(name => `no-${name}`), 'help', 'version'];
	const isOption = (argument: string | undefined) => argument !== undefined && /^--?[a-zA-Z]/.test(argument)
		&& (byLong.has(argument.replace(/^--/, '').split('=')[0]!) || byShort.has(argument.slice(1, 2)) || known.includes(argument.replace(/^--/, '')));
	for (let index = 0; index < argv.length; index++) {
		const argument = argv[index]!;
		if (argument === '--') {
			return;
		}

		let name: string | undefined;
		let inline: string | undefined;
		if (argument.startsWith('--') && argument.length > 2) {
			const [long, ...value] = argument.slice(2).split('=');
			inline = value.length > 0 ? value.join('=') : undefined;
			name = byLong.get(long!);
			if (name === undefined) {
				if (known.includes(long!) && inline === undefined) {
					continue;
				}

				const nearest = known.map(candidate => ({candidate, cost: distance(long!, candidate)})).sort((x, y) => x.cost - y.cost)[0]!;
				const hint = nearest.cost <= Math.max(2, Math.floor(long!.length / 3)) ? `did you mean --${nearest.candidate}?` : 'kmodx --help lists the options';
				throw new InputError(undefined, `unknown option --${long!}: ${hint}`);
			}
		} else if (/^-[^-\d]/.test(argument)) {
			name = byShort.get(argument[1]!);
			if (name === undefined) {
				if (argument === '-h') {
					continue;
				}

				throw new InputError(undefined, `unknown option ${argument.slice(0, 2)}: the short options are ${[...byShort.keys()].map(short => `-${short}`).join(', ')} and -h (kmodx --help lists them all)`);
			}

			inline = argument.length > 2 ? argument.slice(2).replace(/^=/, '') : undefined;
		} else {
			continue;
		}

		const definition = flagDefinitions[name as keyof typeof flagDefinitions];
		if (definition.type === 'boolean') {
			if (inline !== undefined) {
				throw new InputError(undefined, `${optionName(name)} takes no value (given ${JSON.stringify(inline)})`);
			}

			continue;
		}

		let value = inline;
		if (value === undefined) {
			const next = argv[index + 1];
			if (next === undefined || next === '--' || isOption(next)) {
				throw new InputError(undefined, `${optionName(name)} needs a value: ${'choices' in definition ? `one of ${(definition.choices as readonly string[]).join(', ')}` : valueNames[name]}`);
			}

			value = next;
			index++;
		}

		if ('choices' in definition && !(definition.choices as readonly string[]).includes(value)) {
			throw new InputError(undefined, `${optionName(name)} ${value}: not one of ${(definition.choices as readonly string[]).join(', ')}`);
		}
	}
}

export async function parseWithMeow(argv?: string[]): Promise<ParsedCli> {
	checkArguments(argv ?? process.argv.slice(2));
	const {default: meow} = await import('meow');
	const cli = meow(helpText, {
		// Only the URL: meow finds package.json from it, and it is all a CommonJS bundle can give.
		importMeta: {url: import.meta.url} as ImportMeta,
		...(argv ? {argv} : {}),
		allowUnknownFlags: false,
		flags: flagDefinitions as unknown as AnyFlags,
	});
	return {input: cli.input, flags: normalized(cli.flags)};
}
