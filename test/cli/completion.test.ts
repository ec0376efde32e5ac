import {spawnSync} from 'node:child_process';
import path from 'node:path';
import test from 'ava';
import {completionScript} from '../../source/cli/completion.js';
import {flagDefinitions} from '../../source/cli/options.js';
import {atExit, temporaryDirectory, writeTemporary} from '../helpers/derive.js';
import {needs, oracleProgram} from '../helpers/oracles.js';
import {runCli} from '../helpers/run-cli.js';

const kebab = (name: string) => name.replaceAll(/[A-Z]/g, letter => `-${letter.toLowerCase()}`);
const directory = temporaryDirectory(atExit, 'completion');

/** What bash's completion function offers for the words typed so far (the last one being completed). */
function bashComplete(words: string[]): string[] {
	const script = writeTemporary(directory, 'kmodx.bash', completionScript('bash'));
	const array = words.map(word => `'${word}'`).join(' ');
	const result = spawnSync('bash', ['-c', `source ${script}; COMP_WORDS=(${array}); COMP_CWORD=${words.length - 1}; _kmodx; printf '%s\\n' "\${COMPREPLY[@]}"`], {encoding: 'utf8', cwd: directory});
	return result.stdout.split('\n').filter(Boolean).sort();
}

test('kmodx completion SHELL prints the script the build installs; another shell is one line, exit 2', t => {
	for (const shell of ['bash', 'zsh', 'fish'] as const) {
		const result = runCli(['completion', shell]);
		t.is(result.code, 0, result.stderr);
		t.is(result.stdout, completionScript(shell));
	}

	const bad = runCli(['completion', 'tcsh']);
	t.is(bad.code, 2);
	t.is(bad.stderr, 'kmodx: kmodx completion SHELL: one of bash, zsh, fish\n');
});

test('bash: commands, every option, the choices of an option, files for a path', t => {
	t.deepEqual(bashComplete(['kmodx', 'we']), ['weak-modules']);
	t.true(bashComplete(['kmodx', '']).includes('hook'));
	const all = bashComplete(['kmodx', 'check', '--']);
	for (const [name, definition] of Object.entries(flagDefinitions)) {
		t.true(all.includes(`--${kebab(name)}`), name);
		if (definition.type === 'boolean' && 'default' in definition && definition.default === true) {
			t.true(all.includes(`--no-${kebab(name)}`), name);
		}
	}

	t.deepEqual(bashComplete(['kmodx', 'check', '-f', '']), ['json', 'markdown', 'text']);
	t.deepEqual(bashComplete(['kmodx', '--missing-version', 'w']), ['warn']);
	t.deepEqual(bashComplete(['kmodx', 'completion', '']), ['bash', 'fish', 'zsh']);
	writeTemporary(directory, 'my_drv.ko', '');
	t.true(bashComplete(['kmodx', 'check', '-k', 'my_']).includes('my_drv.ko'));
});

needs('fish')('fish: its own completer offers the commands, the options and their choices', t => {
	const script = writeTemporary(directory, 'kmodx.fish', completionScript('fish'));
	const complete = (line: string) => spawnSync(oracleProgram('fish'), ['--no-config', '-c', `source ${script}; complete -C '${line}'`], {encoding: 'utf8', cwd: directory}).stdout.split('\n').filter(Boolean).map(entry => entry.split('\t')[0]!).sort();
	t.true(complete('kmodx ').includes('weak-modules'));
	t.deepEqual(complete('kmodx check --format '), ['json', 'markdown', 'text']);
	t.true(complete('kmodx check --ke').includes('--kernel'));
	t.true(complete('kmodx check --st').includes('--strict'));
});

needs('zsh')('zsh: the script is valid and defines the completion function', t => {
	const script = writeTemporary(directory, '_kmodx', completionScript('zsh'));
	const parsed = spawnSync(oracleProgram('zsh'), ['-n', script], {encoding: 'utf8'});
	t.is(parsed.status, 0, parsed.stderr);
	// Loaded by compinit from a directory on fpath, as an installed one is.
	const loaded = spawnSync(oracleProgram('zsh'), ['-f', '-c', `fpath=(${path.dirname(script)} $fpath); autoload -U compinit; compinit -u -D; print -r -- "\${_comps[kmodx]}"`], {encoding: 'utf8', env: {...process.env, HOME: directory}});
	t.is(loaded.stdout.trim(), '_kmodx', loaded.stderr);
});
