import {readFileSync} from 'node:fs';
import zlib from 'node:zlib';
import test from 'ava';
import {InputError} from '../../source/common/input-error.js';
import {expandSymbol, expansion, genksymsCrc} from '../../source/symtypes/genksyms-crc.js';
import {loadSymtypes} from '../../source/symtypes/load-symtypes.js';
import {parseSymtypes} from '../../source/symtypes/read-symtypes.js';
import {fixture} from '../helpers/paths.js';

const genksymsFixture = (name: string) => parseSymtypes(readFileSync(fixture('symtypes/genksyms', name)), name);

/** `#SYMVER name 0x…` lines, as genksyms printed them. */
function printedCrcs(name: string): Map<string, number> {
	const crcs = new Map<string, number>();
	for (const line of readFileSync(fixture('symtypes/genksyms', name), 'utf8').trim().split('\n')) {
		const [, symbol, crc] = line.split(' ');
		crcs.set(symbol!, Number.parseInt(crc!, 16));
	}

	return crcs;
}

test('test vector: a struct defined inside a prototype', t => {
	t.is(zlib.crc32('int foo ( struct bar { int mem [ 2 ] ; } * ) '), 0x07_0D_85_4D);
	const index = parseSymtypes('s#bar struct bar { int mem [ 2 ] ; } \nfoo int foo ( s#bar * ) \n', 'vector.symtypes');
	t.is(expansion(index, 'foo'), 'int foo ( struct bar { int mem [ 2 ] ; } * ) ');
	t.is(genksymsCrc(index, 'foo'), 0x07_0D_85_4D);
});

test('the real module_layout CRCs of Debian 6.1.0-47 and 6.1.0-56', async t => {
	const crcs = readFileSync(fixture('symtypes/CRCS'), 'utf8').trim().split('\n').map(line => line.split(' '));
	t.is(crcs.length, 2);
	for (const [name, crc] of crcs) {
		const index = await loadSymtypes(fixture(`symtypes/${name!}.version.symtypes.gz`)); // eslint-disable-line no-await-in-loop
		t.is(genksymsCrc(index, 'module_layout'), Number.parseInt(crc!, 16), name);
	}
});

test('every CRC genksyms printed for the hand-written declarations', t => {
	for (const name of ['types-a', 'types-b', 'override']) {
		const index = genksymsFixture(`${name}.symtypes`);
		const crcs = printedCrcs(`${name}.crcs`);
		t.true(crcs.size > 0);
		for (const [symbol, crc] of crcs) {
			t.is(genksymsCrc(index, symbol), crc, `${name}: ${symbol}`);
		}
	}
});

test('the expansion string is exactly what genksyms -D hashed', t => {
	const index = genksymsFixture('types-a.symtypes');
	const dump = readFileSync(fixture('symtypes/genksyms/types-a.dump'), 'latin1').trim().split('\n');
	t.is(dump.length, 4);
	for (const line of dump) {
		const match = /^Export (\S+) == <(.*)>$/.exec(line)!;
		t.is(expansion(index, match[1]!), match[2]!);
	}

	// Typedef chains expand inside each other, the second use is the bare name.
	t.true(expansion(index, 'node_count').startsWith('typedef typedef typedef unsigned int u32 my_u32 chain_t node_count ( '));
});

test('an undefined struct counts as { UNKNOWN }, a second use as its name', t => {
	const declared = parseSymtypes('f int f ( s#foo * , s#foo * ) ', 'a.symtypes');
	t.is(expansion(declared, 'f'), 'int f ( struct foo { UNKNOWN } * , struct foo * ) ');
	const union = parseSymtypes('f int f ( u#foo * ) ', 'a.symtypes');
	t.is(expansion(union, 'f'), 'int f ( union foo { UNKNOWN } * ) ');
	const result = expandSymbol(declared, 'f');
	t.deepEqual([...result.definitions.keys()], ['f', 's#foo']);
});

test('recursion through pointers ends at the second visit', t => {
	const index = parseSymtypes('s#node struct node { s#node * next ; u#u * u ; } \nu#u union u { s#node * n ; } \nf void f ( s#node * ) ', 'a.symtypes');
	t.is(expansion(index, 'f'), 'void f ( struct node { struct node * next ; union u { struct node * n ; } * u ; } * ) ');
});

test('missing typedefs and unknown exports are input errors', t => {
	const index = parseSymtypes('s#x struct x { int a ; } \nf void f ( t#missing ) ', 'a.symtypes');
	const error = t.throws(() => genksymsCrc(index, 'f'), {instanceOf: InputError});
	t.is(error?.message, 'a.symtypes: line 2: t#missing is used but not defined');
	const unknown = t.throws(() => genksymsCrc(index, 'nope'), {instanceOf: InputError});
	t.is(unknown?.message, 'a.symtypes: no definition of the exported symbol nope');
});
