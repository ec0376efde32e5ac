#!/usr/bin/env node
// Issue 24's hidden sample: exports drawn at random (seeded) from those whose CRC changed between
// Debian 6.1.0-47 and 6.1.0-56 and whose exporting unit is in a tree of genuine genksyms output
// (scripts/make-symtypes-trees.sh: kbuild's own .symtypes of each unit, built in the unpacked
// source trees). For each, `kmodx why SYM --types <linux-source tarball>` must be verified,
// complete, and name exactly what a plain diff of the unit's two .symtypes shows (changedFor, the
// test reference). Not part of `npm test`: it needs the trees and the tarballs (minutes each).
// Usage: npm run build && node scripts/why-sample-check.mjs [COUNT] [SEED]
//   KMODX_TREES=/var/tmp/symtypes-trees KMODX_SOURCE_DIR=/var/tmp/linux-src
import {execFileSync} from 'node:child_process';
import {readFileSync, readdirSync, statSync} from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import {fileURLToPath} from 'node:url';
import {changedFor, definitions} from '../build/test/helpers/symtypes-reference.js';

const repo = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const [count = 24, seed = 20261207] = process.argv.slice(2).map(Number);
const trees = process.env.KMODX_TREES ?? '/var/tmp/symtypes-trees';
const sources = process.env.KMODX_SOURCE_DIR ?? '/var/tmp/linux-src';
const release = {47: ['6.1.0-47-amd64', '6.1.170-3'], 56: ['6.1.0-56-amd64', '6.1.192-2']};

const symvers = label => new Map(zlib.gunzipSync(readFileSync(path.join(repo, 'test/fixtures/kernels', release[label][0], 'Module.symvers.gz'))).toString('latin1').split('\n').filter(Boolean).map(line => line.split('\t')).map(([crc, name]) => [name, crc]));
const [crcs47, crcs56] = [symvers(47), symvers(56)];
const walk = directory => readdirSync(directory).flatMap(name => {
	const file = path.join(directory, name);
	return statSync(file).isDirectory() ? walk(file) : name.endsWith('.symtypes') ? [file] : [];
});

// Exports (lines whose key has no '#') of each unit present in both trees, CRC changed.
const candidates = [];
for (const file of walk(path.join(trees, '47')).sort()) {
	const unit = path.relative(path.join(trees, '47'), file);
	let after;
	try {
		after = definitions(readFileSync(path.join(trees, '56', unit), 'latin1'));
	} catch {
		continue;
	}

	const before = definitions(readFileSync(file, 'latin1'));
	for (const key of before.keys()) {
		if (!key.includes('#') && after.has(key) && crcs47.has(key) && crcs56.has(key) && crcs47.get(key) !== crcs56.get(key)) {
			candidates.push({symbol: key, unit, before, after});
		}
	}
}

// A small seeded generator (mulberry32): the same sample for the same seed.
let state = seed >>> 0;
const random = () => {
	state = (state + 0x6D_2B_79_F5) >>> 0;
	let t = state;
	t = Math.imul(t ^ (t >>> 15), t | 1);
	t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
	return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
};

const sample = [];
const pool = [...candidates];
while (sample.length < Math.min(count, pool.length)) {
	sample.push(pool.splice(Math.floor(random() * pool.length), 1)[0]);
}

console.log(`${candidates.length} changed exports in ${trees}; sample of ${sample.length}, seed ${seed}`);
let exact = 0;
for (const {symbol, unit, before, after} of sample) {
	// The symbol's own line is its prototype: kmodx lists that as prototype_changed, not as a type.
	const reference = changedFor(before, after, symbol).filter(name => name !== symbol);
	const started = Date.now();
	const output = execFileSync(process.execPath, [path.join(repo, 'build/bin/kmodx.cjs'), 'why', symbol,
		'-k', `47=/usr/src/linux-headers-${release[47][0]}`, '-k', `56=/usr/src/linux-headers-${release[56][0]}`,
		'--types', `47=${path.join(sources, `linux-source-${release[47][1]}.tar.xz`)}`, '--types', `56=${path.join(sources, `linux-source-${release[56][1]}.tar.xz`)}`, '--json'], {encoding: 'utf8', maxBuffer: 1 << 28});
	const seconds = ((Date.now() - started) / 1000).toFixed(1);
	const answer = JSON.parse(output);
	const named = [...new Set(answer.changes.filter(change => change.kind !== 'prototype_changed').map(change => change.type))].sort();
	const ok = answer.method === 'symtypes' && answer.verified && answer.complete && JSON.stringify(named) === JSON.stringify(reference);
	exact += ok ? 1 : 0;
	console.log(`${ok ? 'ok  ' : 'FAIL'} ${symbol} (${unit.replace(/\.symtypes$/, '.c')}): ${reference.length} changed definitions; verified ${answer.verified}, complete ${answer.complete}; ${seconds} s`);
	if (!ok) {
		console.log(`     reference: ${reference.join(', ')}\n     kmodx:     ${named.join(', ')}`);
	}
}

console.log(`why-sample-check: ${exact} of ${sample.length} exact (verified, complete, the same changed definitions)`);
process.exitCode = exact === sample.length ? 0 : 1;
