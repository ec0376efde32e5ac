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

/**
Debian's 7.2 kernel packages (7.2.12+deb13 and 7.2.13+deb14, amd64), unpacked beside the repo in
../k7/<version> (set KMODX_LINUX7 to use another copy): Rust exports and modules of two builds.
*/
export const linux7Root = process.env['KMODX_LINUX7'] ?? path.resolve(repoRoot, '..', 'k7');
export const linux7 = (...parts: string[]) => path.join(linux7Root, ...parts);
/** The two builds' Module.symvers, when they are there. */
export const linux7Symvers = [linux7('7.2.12/usr/src/linux-headers-7.2.12+deb13-amd64/Module.symvers'), linux7('7.2.13/usr/src/linux-headers-7.2.13+deb14-amd64/Module.symvers')].filter(file => existsSync(file));
export const linux7Missing = `${linux7Root} lacks Debian's 7.2.12 and 7.2.13 packages (set KMODX_LINUX7 to run it)`;
