import {mkdirSync, readFileSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {gunzipSync} from 'node:zlib';
import {groupBySymtypes} from '../source/typediff/group-causes.js';
import {loadSymtypes} from '../source/symtypes/load-symtypes.js';
import {fixture} from '../test/helpers/paths.js';

/**
`node group-symtypes-tree.js make DIR N`: two symtypes trees of N files each under DIR/47 and
DIR/56, every file the real version.symtypes of that kernel exporting module_layout_<i> instead.
`node group-symtypes-tree.js group DIR N`: loads both trees and groups the N changed exports,
printing the times (what `kmodx -k A -k B --types A=DIR/47 --types B=DIR/56` does after the diff).
*/
const [mode, directory, count] = process.argv.slice(2);
const files = Number(count);
if (mode === 'make') {
	for (const release of ['47', '56']) {
		const text = gunzipSync(readFileSync(fixture(`symtypes/debian-6.1.0-${release}-amd64.version.symtypes.gz`))).toString('latin1');
		for (let index = 0; index < files; index++) {
			const folder = path.join(directory!, release, `d${index % 100}`);
			mkdirSync(folder, {recursive: true});
			writeFileSync(path.join(folder, `f${index}.symtypes`), text.replace(/^module_layout /m, `module_layout_${index} `), 'latin1');
		}
	}
} else {
	const start = performance.now();
	const [before, after] = await Promise.all([loadSymtypes(path.join(directory!, '47')), loadSymtypes(path.join(directory!, '56'))]);
	const loaded = performance.now();
	const grouping = groupBySymtypes(before, after, Array.from({length: files}, (_, index) => `module_layout_${index}`));
	const grouped = performance.now();
	process.stdout.write(`load ${((loaded - start) / 1000).toFixed(1)} s, group ${((grouped - loaded) / 1000).toFixed(1)} s: ${grouping.groups.length} causes, ${grouping.groups[0]?.exports.length ?? 0} exports in the largest\n`);
}
