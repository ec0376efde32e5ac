import {existsSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

// Tests run from build/test/**, fixtures stay in the source tree.
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const fixtures = path.join(repoRoot, 'test', 'fixtures');
export const fixture = (...parts: string[]) => path.join(fixtures, ...parts);
/** The bundled binary npm installs as `kmodx` (scripts/bundle.js): tests run what users run. */
export const cliPath = path.join(repoRoot, 'build', 'bin', 'kmodx.cjs');

/** The big real files (vmlinuz) live beside the repo, in ../shared/corpus; tests on them skip without it. */
export const corpusRoot = process.env['KMODX_CORPUS'] ?? path.resolve(repoRoot, '..', 'shared', 'corpus');
export const corpus = (...parts: string[]) => path.join(corpusRoot, ...parts);
export const hasCorpus = existsSync(path.join(corpusRoot, 'kernels'));
export const corpusMissing = `skipped: ${corpusRoot} is missing (set KMODX_CORPUS to the shared corpus to run it)`;
