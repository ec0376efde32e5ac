import {existsSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

// Tests run from build/test/**, fixtures stay in the source tree.
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const fixtures = path.join(repoRoot, 'test', 'fixtures');
export const fixture = (...parts: string[]) => path.join(fixtures, ...parts);
/** The bundled binary npm installs as `kmodx` (scripts/bundle.js): tests run what users run. */
export const cliPath = path.join(repoRoot, 'build', 'bin', 'kmodx.cjs');

/**
The big real files (vmlinuz) live beside the repo, in ../shared/corpus, or where KMODX_CORPUS
points (npm run corpus builds one); tests on them declare needs('corpus') (test/helpers/oracles.ts).
*/
export const corpusRoot = process.env['KMODX_CORPUS'] ?? path.resolve(repoRoot, '..', 'shared', 'corpus');
export const corpus = (...parts: string[]) => path.join(corpusRoot, ...parts);
/** For the benchmarks, which leave out what the corpus would measure. */
export const hasCorpus = existsSync(path.join(corpusRoot, 'kernels'));
/** Debian's 7.2.12 and 7.2.13 Module.symvers, whole (test/fixtures/kernels/7.2.1x*: every Rust export of two builds). */
export const linux7Symvers = [fixture('kernels', '7.2.12+deb13-amd64', 'Module.symvers.gz'), fixture('kernels', '7.2.13+deb14-amd64', 'Module.symvers.gz')];
