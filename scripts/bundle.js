// Bundles the compiled CLI (build/source) into build/bin, so that start-up loads a few files
// instead of some forty ES modules:
//   kmodx.cjs    the binary: `check` in one CommonJS file (no ES-module loader, see source/bin/kmodx.ts)
//   cli.js       the full CLI, ESM, with the explorer, the explainers and the scan as chunks loaded
//                only when used; scan-worker.js beside it
// The npm packages are bundled too: an installed kmodx downloads nothing but itself. Only Ink's
// developer tools (imported when DEV=true) stay out.
import {chmodSync, existsSync, readFileSync, readdirSync, rmSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {build} from 'esbuild';

const common = {outdir: 'build/bin', bundle: true, platform: 'node', target: 'node20', external: ['react-devtools-core'], logLevel: 'warning', legalComments: 'none', metafile: true};

// Chunk names carry content hashes: start empty so old chunks do not pile up.
rmSync('build/bin', {recursive: true, force: true});
const full = await build({
	...common,
	entryPoints: {cli: 'build/source/cli.js', 'scan-worker': 'build/source/scan/scan-worker.js', 'prefetch-worker': 'build/source/scan/prefetch-worker.js'},
	splitting: true,
	format: 'esm',
	// CommonJS packages (react) require() Node's modules: give the ES modules a require.
	banner: {js: 'import {createRequire as kmodxCreateRequire} from "node:module"; const require = kmodxCreateRequire(import.meta.url);'},
});

// The full CLI stays a separate ES module, loaded by `import()` when the command is not `check`.
const fullCli = {
	name: 'full-cli',
	setup(build) {
		build.onResolve({filter: /^\.\.\/cli\.js$/}, () => ({path: './cli.js', external: true}));
	},
};
const binary = await build({
	...common,
	entryPoints: {kmodx: 'build/source/bin/kmodx.js'},
	outExtension: {'.js': '.cjs'},
	format: 'cjs',
	plugins: [fullCli],
	// Scan workers are found beside the bundle (new URL('scan-worker.js', import.meta.url)).
	define: {'import.meta.url': 'importMetaUrl'},
	banner: {js: '#!/usr/bin/env node\nconst importMetaUrl = require("node:url").pathToFileURL(__filename).href;'},
});
chmodSync('build/bin/kmodx.cjs', 0o755);

// The licenses of the npm packages the bundles carry (NOTICE.md): name, version, license and its text.
const packages = new Map();
for (const input of [...Object.keys(full.metafile.inputs), ...Object.keys(binary.metafile.inputs)]) {
	const match = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
	if (match && !packages.has(match[1])) {
		packages.set(match[1], JSON.parse(readFileSync(path.join(match[1], 'package.json'), 'utf8')));
	}
}

const sections = [...packages].sort(([, a], [, b]) => a.name.localeCompare(b.name)).map(([directory, manifest]) => {
	const file = readdirSync(directory).find(name => /^(licen[cs]e|copying)/i.test(name));
	const text = file && existsSync(path.join(directory, file)) ? readFileSync(path.join(directory, file), 'utf8').trim() : `(no license file; package.json says ${manifest.license})`;
	return `${manifest.name} ${manifest.version} (${manifest.license})\n\n${text}\n`;
});
writeFileSync('build/bin/THIRD-PARTY-LICENSES.txt', `Libraries bundled into kmodx, with their licenses.\n\n${sections.join(`\n${'-'.repeat(72)}\n\n`)}`);
