// Bundles the compiled CLI (build/source) into build/bin, so that start-up loads a few files
// instead of some forty ES modules:
//   kmodx.cjs    the binary: `check` in one CommonJS file (no ES-module loader, see source/bin/kmodx.ts)
//   cli.js       the full CLI, ESM, with the explorer, the explainers and the scan as chunks loaded
//                only when used; scan-worker.js beside it
// npm packages stay external.
import {chmodSync, readFileSync, rmSync} from 'node:fs';
import {build} from 'esbuild';

const {dependencies} = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const common = {outdir: 'build/bin', bundle: true, platform: 'node', target: 'node20', external: Object.keys(dependencies), logLevel: 'warning'};

// Chunk names carry content hashes: start empty so old chunks do not pile up.
rmSync('build/bin', {recursive: true, force: true});
await build({
	...common,
	entryPoints: {cli: 'build/source/cli.js', 'scan-worker': 'build/source/scan/scan-worker.js', 'prefetch-worker': 'build/source/scan/prefetch-worker.js'},
	splitting: true,
	format: 'esm',
});

// The full CLI stays a separate ES module, loaded by `import()` when the command is not `check`.
const fullCli = {
	name: 'full-cli',
	setup(build) {
		build.onResolve({filter: /^\.\.\/cli\.js$/}, () => ({path: './cli.js', external: true}));
	},
};
await build({
	...common,
	entryPoints: {kmodx: 'build/source/bin/kmodx.js'},
	outExtension: {'.js': '.cjs'},
	format: 'cjs',
	// string-width is ESM only: require() of it gives its namespace, not its default export, so the
	// CommonJS binary carries its own copy (the text report measures names in terminal cells).
	external: common.external.filter(name => name !== 'string-width'),
	plugins: [fullCli],
	// Scan workers are found beside the bundle (new URL('scan-worker.js', import.meta.url)).
	define: {'import.meta.url': 'importMetaUrl'},
	banner: {js: '#!/usr/bin/env node\nconst importMetaUrl = require("node:url").pathToFileURL(__filename).href;'},
});
chmodSync('build/bin/kmodx.cjs', 0o755);
