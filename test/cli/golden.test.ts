import {existsSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import test from 'ava';
import {fixture, repoRoot} from '../helpers/paths.js';
import {runCli} from '../helpers/run-cli.js';

/*
The reports of README.md's `kmodx check` examples, whole, against golden files in
test/fixtures/golden/: the same command lines, run from the repository's root with the paths
README shows, so the output is README's (which elides some lines with …). README shows text
only; the Markdown of the same inputs is held too. Only absolute paths are normalized (there
should be none: every path is given relative).

After an intended change of a report, regenerate and review the diff:
  KMODX_UPDATE_GOLDEN=1 npm test
*/

const kernels = ['47', '50', '56'].flatMap(label => ['-k', `${label}=test/fixtures/kernels/6.1.0-${label}-amd64/Module.symvers.gz`]);
const examples = [
	// README "### `kmodx check`": the classic failure (`npm run demo`).
	{name: 'check-my_drv', args: ['check', 'test/fixtures/modules/my_drv-6.1.0-47-amd64.ko', ...kernels]},
	// README: several modules and several kernels, a matrix.
	{name: 'check-matrix', args: ['check', 'test/fixtures/modules/6.1.0-47-amd64', 'test/fixtures/modules/my_drv-6.1.0-47-amd64.ko', ...kernels]},
];
const formats = [{extension: 'txt', args: []}, {extension: 'md', args: ['--format', 'markdown']}];

const update = process.env['KMODX_UPDATE_GOLDEN'] === '1';
const normalize = (text: string) => text.replaceAll(repoRoot + path.sep, '<repo>/');

for (const {name, args} of examples) {
	for (const format of formats) {
		const file = fixture('golden', `${name}.${format.extension}`);
		test(`README's ${name} example${format.args.length > 0 ? ` (${format.args.join(' ')})` : ''} prints test/fixtures/golden/${path.basename(file)}`, t => {
			const result = runCli([...args, ...format.args], {cwd: repoRoot});
			t.is(result.code, 1, result.stderr);
			t.is(result.stderr, '');
			const output = normalize(result.stdout);
			if (update) {
				mkdirSync(path.dirname(file), {recursive: true});
				writeFileSync(file, output);
				t.log(`wrote ${file}`);
			}

			if (!existsSync(file)) {
				t.fail(`${file} is missing: KMODX_UPDATE_GOLDEN=1 npm test writes it`);
				return;
			}

			t.is(output, readFileSync(file, 'utf8'), 'the report changed: if intended, KMODX_UPDATE_GOLDEN=1 npm test, then check README.md\'s examples');
		});
	}
}
