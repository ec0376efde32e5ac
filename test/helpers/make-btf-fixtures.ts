/*
Regenerates test/fixtures/btf/*.btf.gz: the closed subgraph of real vmlinux BTF reachable from
the symbols the tests explain, plus one real type of each kind that path does not reach.
Usage: node build/test/helpers/make-btf-fixtures.js RAW_BTF_47 RAW_BTF_56
(raw BTF: `objcopy -O binary --only-section=.BTF vmlinux out.raw`).
*/
import {readFileSync, writeFileSync} from 'node:fs';
import {gzipSync} from 'node:zlib';
import {parseBtf} from '../../source/btf/btf.js';
import {BtfKind} from '../../source/btf/btf-kind.js';
import {closure, writeSubset} from './btf-writer.js';
import {fixture} from './paths.js';

export const fixtureSymbols = ['module_layout', 'misc_register', 'kmalloc_trace'];

const extraKinds = [BtfKind.Float, BtfKind.Enum64, BtfKind.Restrict, BtfKind.Volatile, BtfKind.Fwd, BtfKind.Var];

for (const [file, name] of [[process.argv[2], 'debian-6.1.0-47-amd64'], [process.argv[3], 'debian-6.1.0-56-amd64']] as const) {
	if (!file) throw new Error('usage: make-btf-fixtures RAW_BTF_47 RAW_BTF_56');
	const btf = parseBtf(readFileSync(file), {file});
	const roots = fixtureSymbols.flatMap(symbol => btf.lookup(symbol, [BtfKind.Func]).slice(0, 1));
	for (const kind of extraKinds) {
		let found = 0;
		for (let id = 1; id <= btf.lastId && found < 2; id++) {
			if (btf.kind(id) === kind) {
				roots.push(id);
				found++;
			}
		}
	}

	for (let id = 1; id <= btf.lastId; id++) if (btf.kind(id) === BtfKind.Datasec) roots.push(id);
	const ids = closure(btf, roots);
	const written = writeSubset(btf, ids);
	const out = fixture('btf', `${name}.btf.gz`);
	writeFileSync(out, gzipSync(written.data, {level: 9}));
	console.log(`${out}: ${ids.length} types, ${written.data.length} bytes raw`);
}
