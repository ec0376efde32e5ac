// Bundles the compiled CLI (build/source) into build/bin: one file to load at start-up instead of
// some forty ES modules, which is a measurable part of `kmodx check`'s ~0.1 s. The explorer, the
// explainers and the scan stay separate chunks, loaded only when used; npm packages stay external.
import {readFileSync} from 'node:fs';
import {build} from 'esbuild';

const {dependencies} = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
await build({
	entryPoints: {kmodx: 'build/source/cli.js', 'scan-worker': 'build/source/scan/scan-worker.js'},
	outdir: 'build/bin',
	bundle: true,
	splitting: true,
	format: 'esm',
	platform: 'node',
	target: 'node20',
	external: Object.keys(dependencies),
	logLevel: 'warning',
});
