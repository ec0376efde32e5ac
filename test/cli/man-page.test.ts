import {spawnSync} from 'node:child_process';
import {readFileSync} from 'node:fs';
import {commandHelp} from '../../source/cli/command-help.js';
import {manPage} from '../../source/cli/man-page.js';
import {flagDefinitions} from '../../source/cli/options.js';
import {helpLines} from '../../source/ui/keys.js';
import {needs, oracleProgram} from '../helpers/oracles.js';
import {fixture} from '../helpers/paths.js';
import {runCli} from '../helpers/run-cli.js';

const kebab = (name: string) => name.replaceAll(/[A-Z]/g, letter => `-${letter.toLowerCase()}`);
const page = manPage({version: '0.1.0', date: '2026-12-07'});

/** The page as man(1) shows it: groff with the man macros, every warning on. */
function render(source: string): {text: string; warnings: string} {
	const result = spawnSync(oracleProgram('groff'), ['-man', '-Tutf8', '-ww', '-rLL=100n'], {input: source, encoding: 'utf8', env: {...process.env, GROFF_NO_SGR: '1'}});
	// Overstrike (bold, underline) as plain text.
	// eslint-disable-next-line no-control-regex
	return {text: result.stdout.replaceAll(/.\u0008/g, ''), warnings: result.stderr};
}

needs('groff')('kmodx(1) renders without a groff warning, and is what the build installs', t => {
	const {warnings} = render(page);
	t.is(warnings, '');
	const built = readFileSync(fixture('..', '..', 'build', 'man', 'kmodx.1'), 'utf8');
	t.is(built.replace(/^\.TH .*\n/, ''), page.replace(/^\.TH .*\n/, ''));
});

needs('groff')('every option the parser knows, every command and every line of --help are in the page', t => {
	const {text} = render(page);
	const flat = text.replaceAll(/\u2010\n\s*/g, '').replaceAll(/\s+/g, ' ');
	const options = text.slice(text.indexOf('\nOPTIONS\n'), text.indexOf('\nEXIT STATUS\n'));
	for (const [name, definition] of Object.entries(flagDefinitions)) {
		const long = definition.type === 'boolean' && 'default' in definition && definition.default === true ? `--no-${kebab(name)}` : `--${kebab(name)}`;
		t.regex(options, new RegExp(`^ {7}(-\\w, )?${long}\\b`, 'm'), long);
	}

	// The explorer's keys, from the key table the explorer itself is made from.
	const keysSection = text.slice(text.indexOf('\nEXPLORER KEYS\n'), text.indexOf('\nENVIRONMENT\n'));
	for (const {keys} of helpLines()) {
		t.regex(keysSection, new RegExp(`^ {7}${keys.replaceAll(/[.*+?^${}()|[\]\\]/g, '\\$&')}`, 'm'), keys);
	}

	for (const command of Object.keys(commandHelp)) {
		t.regex(text, new RegExp(`^ {3}${command}$`, 'm'), command);
	}

	// The words of `kmodx --help`, line by line (hyphenation and filling aside).
	const help = runCli(['--help']).stdout;
	// The section headings become the page's own (SYNOPSIS, OPTIONS, EXIT STATUS, EXAMPLES).
	const headings = new Set(['Usage', 'Options', 'Exit status', 'Examples']);
	for (const line of help.split('\n').map(each => each.trim()).filter(each => each !== '' && !headings.has(each) && !each.startsWith('Will this kernel module'))) {
		const words = line.replace(/^\$ /, '').replaceAll(/[()]/g, ' ').split(/\s+/).filter(word => word.length > 3 && !word.startsWith('-'));
		const missing = words.filter(word => !flat.includes(word));
		t.deepEqual(missing, [], line);
	}
});
