import {readFileSync} from 'node:fs';
import path from 'node:path';
import test from 'ava';
import {headers47, headers56, needs} from '../helpers/oracles.js';
import {repoRoot} from '../helpers/paths.js';
import {runCli} from '../helpers/run-cli.js';

/*
The README's recipes are real: every `$ kmodx …` line of its console blocks is run from the
repository root, and the lines shown below it (up to a line "…") are the first lines it prints.
A recipe that reads the installed Debian headers needs them.
*/

type Recipe = {command: string; expected: string[]};

function recipes(): Recipe[] {
	const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
	const found: Recipe[] = [];
	for (const block of readme.matchAll(/^```console\n([\s\S]*?)^```$/gm)) {
		for (const line of block[1]!.split('\n')) {
			if (line.startsWith('$ kmodx ')) {
				found.push({command: line.slice(2), expected: []});
			} else if (found.length > 0) {
				found.at(-1)!.expected.push(line);
			}
		}
	}

	return found.map(({command, expected}) => {
		const cut = expected.indexOf('…');
		const shown = cut === -1 ? expected : expected.slice(0, cut);
		// A block ends with a newline: no empty last line is expected.
		return {command, expected: shown.at(-1) === '' ? shown.slice(0, -1) : shown};
	});
}

test('the README has the recipes of the five jobs', t => {
	t.true(recipes().length >= 5);
});

for (const recipe of recipes()) {
	const run = needs(...(recipe.command.includes(headers47) || recipe.command.includes(headers56) ? ['headers'] as const : []));
	run(`README: ${recipe.command.slice(0, 100)}`, t => {
		const result = runCli(recipe.command.split(' ').slice(1));
		t.true(result.code === 0 || result.code === 1, `${result.code}: ${result.stderr}`);
		t.true(recipe.expected.length > 0);
		t.deepEqual(result.stdout.split('\n').slice(0, recipe.expected.length), recipe.expected);
	});
}
