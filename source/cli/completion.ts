import {flagDefinitions, valueNames} from './options.js';

/*
Shell completion for bash, zsh and fish, made from the parser's own flag definitions (options.ts):
commands, options with their short forms, the choices of those that have them, and files where a
value is a path. `kmodx completion SHELL` prints one; scripts/make-docs.js writes them into
build/completions.
*/

export const shells = ['bash', 'zsh', 'fish'] as const;
export type Shell = typeof shells[number];

/** The commands, as the first word. */
export const commands = ['check', 'plan', 'why', 'weak-modules', 'hook', 'completion'] as const;

type Option = {long: string; short?: string; takesValue: boolean; choices?: readonly string[]; files: boolean; description: string};

const kebab = (name: string) => name.replaceAll(/[A-Z]/g, letter => `-${letter.toLowerCase()}`);

/** Every option the parser knows, negations of the booleans that default to true included. */
export function completionOptions(): Option[] {
	const options: Option[] = [];
	for (const [name, definition] of Object.entries(flagDefinitions)) {
		const value = valueNames[name];
		options.push({
			long: kebab(name),
			...('shortFlag' in definition ? {short: definition.shortFlag} : {}),
			takesValue: definition.type === 'string',
			...('choices' in definition ? {choices: definition.choices} : {}),
			// A value that is a path (a kernel is a path or a release name).
			files: value !== undefined && /FILE|DIR|KERNEL|PATH/.test(value),
			description: value ?? ('choices' in definition ? definition.choices.join('|') : ''),
		});
		if (definition.type === 'boolean' && 'default' in definition && definition.default === true) {
			options.push({long: `no-${kebab(name)}`, takesValue: false, files: false, description: ''});
		}
	}

	options.push({long: 'help', short: 'h', takesValue: false, files: false, description: ''}, {long: 'version', takesValue: false, files: false, description: ''});
	return options;
}

/** A word as a shell's single-quoted string (the words here are kmodx's own: no quote in them). */
const quote = (word: string) => `'${word.replaceAll('\'', '\'\\\'\'')}'`;

function bash(options: Option[]): string {
	const words = options.flatMap(option => [`--${option.long}`, ...(option.short ? [`-${option.short}`] : [])]);
	const withValue = options.filter(option => option.takesValue).flatMap(option => [`--${option.long}`, ...(option.short ? [`-${option.short}`] : [])]);
	const spellings = (option: Option) => [`--${option.long}`, ...(option.short ? [`-${option.short}`] : [])].join('|');
	const choiceCases = options.filter(option => option.choices).map(option => `\t\t${spellings(option)}) COMPREPLY=($(compgen -W ${quote(option.choices!.join(' '))} -- "$cur")); return ;;`);
	return `# bash completion for kmodx (made from its option definitions: kmodx completion bash)
_kmodx() {
	local cur=\${COMP_WORDS[COMP_CWORD]} prev=\${COMP_WORDS[COMP_CWORD-1]}
	case $prev in
${choiceCases.join('\n')}
		${withValue.filter(word => !options.some(option => option.choices && (word === `--${option.long}` || word === `-${option.short ?? ''}`))).join('|')}) COMPREPLY=($(compgen -f -- "$cur")); return ;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W ${quote(words.join(' '))} -- "$cur"))
	elif [[ $COMP_CWORD -eq 1 ]]; then
		COMPREPLY=($(compgen -W ${quote(commands.join(' '))} -- "$cur") $(compgen -f -- "$cur"))
	elif [[ \${COMP_WORDS[1]} == completion ]]; then
		COMPREPLY=($(compgen -W ${quote(shells.join(' '))} -- "$cur"))
	else
		COMPREPLY=($(compgen -f -- "$cur"))
	fi
}
complete -o filenames -F _kmodx kmodx
`;
}

function zsh(options: Option[]): string {
	const spec = (option: Option) => {
		const description = option.description.replaceAll(/[[\]:']/g, ' ');
		const action = option.choices ? `:${option.long}:(${option.choices.join(' ')})` : (option.takesValue ? `:${description || option.long}:_files` : '');
		const names = option.short ? `{-${option.short},--${option.long}}` : `--${option.long}`;
		const repeat = option.long === 'kernel' || option.long === 'types' ? '*' : '';
		return `\t\t${repeat}${names}'[${description || option.long}]${action}'`;
	};

	return `#compdef kmodx
# zsh completion for kmodx (made from its option definitions: kmodx completion zsh)
_kmodx() {
	_arguments -s \\
${options.map(option => `${spec(option)} \\`).join('\n')}
		'1:command or module:(${commands.join(' ')})' \\
		'*:module or directory:_files'
}
_kmodx "$@"
`;
}

function fish(options: Option[]): string {
	const lines = ['# fish completion for kmodx (made from its option definitions: kmodx completion fish)', 'complete -c kmodx -f'];
	lines.push(`complete -c kmodx -n __fish_use_subcommand -a ${quote(commands.join(' '))}`);
	lines.push(`complete -c kmodx -n '__fish_seen_subcommand_from completion' -a ${quote(shells.join(' '))}`);
	lines.push('complete -c kmodx -n \'not __fish_seen_subcommand_from completion\' -F');
	for (const option of options) {
		const parts = ['complete -c kmodx', `-l ${option.long}`];
		if (option.short) {
			parts.push(`-s ${option.short}`);
		}

		if (option.choices) {
			parts.push('-x', `-a ${quote(option.choices.join(' '))}`);
		} else if (option.takesValue) {
			parts.push('-r', '-F');
		}

		if (option.description) {
			parts.push(`-d ${quote(option.description)}`);
		}

		lines.push(parts.join(' '));
	}

	return `${lines.join('\n')}\n`;
}

export function completionScript(shell: Shell): string {
	const options = completionOptions();
	return {bash, zsh, fish}[shell](options);
}
