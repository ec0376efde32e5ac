import {readFileSync} from 'node:fs';
import {gzipSync} from 'node:zlib';
import test from 'ava';
import {InputError} from '../../source/common/input-error.js';
import {genksymsCrc} from '../../source/symtypes/genksyms-crc.js';
import {loadSymtypes} from '../../source/symtypes/load-symtypes.js';
import {maximumDefinitions, parseSymtypes, tokenize} from '../../source/symtypes/read-symtypes.js';
import {temporaryDirectory, writeTemporary} from '../helpers/derive.js';
import {fixture} from '../helpers/paths.js';

test('reads a per-object file: trailing spaces, extern and override are not tokens', t => {
	const index = parseSymtypes(readFileSync(fixture('symtypes/genksyms/override.symtypes')), 'override.symtypes');
	t.is(index.scopes.length, 1);
	const kept = index.scopes[0]!.get('s#kept')!;
	t.deepEqual(kept.tokens, ['struct', 'kept', '{', 'int', 'a', ';', '}']);
	t.true(kept.override);
	t.is(kept.line, 1);

	const types = parseSymtypes(readFileSync(fixture('symtypes/genksyms/types-a.symtypes')), 'types-a.symtypes');
	t.deepEqual(types.scopes[0]!.get('node_root')!.tokens, ['s#node', 'node_root']);
	t.deepEqual([...types.exports.keys()], ['node_insert', 'node_count', 'node_root', 'simple']);
});

test('consolidated files: sections, omitted repeats and s##name opaque declarations', t => {
	const text = [
		'/* a.o */',
		's#foo struct foo { int m ; } ',
		'u##bar',
		'baz void baz ( s#foo a1 , u#bar * a2 ) ',
		'',
		'/* b.o */',
		'u#bar union bar { int i ; float f ; } ',
		'qux void qux ( s#foo a1 , u#bar * a2 ) ',
		'',
		'/* c.o */',
		's#foo struct foo { long m ; } ',
		'quux void quux ( s#foo ) ',
		'/* d.o */',
		'corge void corge ( s#foo , u#bar ) ',
	].join('\n');
	const index = parseSymtypes(text, 'all.symtypes');
	t.deepEqual(index.scopes.map(scope => scope.name), ['a.o', 'b.o', 'c.o', 'd.o']);
	const [a, b, c, d] = index.scopes;
	t.deepEqual(a!.get('u#bar')!.tokens, ['union', 'bar', '{', 'UNKNOWN', '}']);
	// b.o inherits s#foo from a.o; the opaque u##bar of a.o did not replace anything.
	t.deepEqual(b!.get('s#foo')!.tokens, ['struct', 'foo', '{', 'int', 'm', ';', '}']);
	t.deepEqual(c!.get('s#foo')!.tokens, ['struct', 'foo', '{', 'long', 'm', ';', '}']);
	// d.o sees the latest definitions before it.
	t.is(d!.get('s#foo')!.tokens[3], 'long');
	t.is(d!.get('u#bar')!.tokens[3], 'int');
	// Sections do not see later ones.
	t.is(b!.get('s#foo')!.tokens[3], 'int');
	t.is(index.exports.get('qux'), b);
	t.is(index.exports.get('corge'), d);
});

test('the CRC of an export uses its own translation unit', t => {
	const text = [
		'/* a.o */',
		's#foo struct foo { int m ; } ',
		'a_user int a_user ( s#foo * ) ',
		'/* b.o */',
		's##foo',
		'b_user int b_user ( s#foo * ) ',
	].join('\n');
	const index = parseSymtypes(text, 'all.symtypes');
	const perObject = (line: string) => parseSymtypes(line, 'x.symtypes');
	t.is(genksymsCrc(index, 'a_user'), genksymsCrc(perObject('s#foo struct foo { int m ; }\na_user int a_user ( s#foo * )'), 'a_user'));
	t.is(genksymsCrc(index, 'b_user'), genksymsCrc(perObject('b_user int b_user ( s#foo * )'), 'b_user'));
});

test('tokens: whitespace runs, "strings" and quoted names stay whole', t => {
	t.deepEqual(tokenize('s#foo  struct foo {\tint m ; } '), ['s#foo', 'struct', 'foo', '{', 'int', 'm', ';', '}']);
	t.deepEqual(tokenize('x int x __attribute__ ( ( section ( ".a b" ) ) ) '), ['x', 'int', 'x', '__attribute__', '(', '(', 'section', '(', '".a b"', ')', ')', ')']);
	t.deepEqual(tokenize('f void f ( s#\'core::Option<u8, u8>\' ) '), ['f', 'void', 'f', '(', 's#\'core::Option<u8, u8>\'', ')']);
});

test('CRLF line ends are accepted', t => {
	const index = parseSymtypes('s#foo struct foo { int m ; } \r\nf int f ( s#foo * ) \r\n', 'crlf.symtypes');
	t.is(genksymsCrc(index, 'f'), genksymsCrc(parseSymtypes('s#foo struct foo { int m ; }\nf int f ( s#foo * )', 'lf.symtypes'), 'f'));
});

test('malformed lines are input errors with the file and the line', t => {
	const cases: Array<[string, string]> = [
		['s#foo struct foo { int m ; }\nx#bar struct bar { }', 'bad.symtypes: line 2: unknown type prefix in "x#bar" (expected t#, s#, u#, e# or E#)'],
		['f int f ( q#foo )', 'bad.symtypes: line 1: unknown type prefix in "q#foo"'],
		['\n\ns#foo \n', 'bad.symtypes: line 3: s#foo has no definition'],
		['override ', 'bad.symtypes: line 1: "override" without a definition'],
		['{ int m ; }', 'bad.symtypes: line 1: expected a type or symbol name, found "{"'],
		['/* */\nf int f ( )', 'bad.symtypes: line 1: empty /* file */ section header'],
		['/* a.o */\nt##foo', 'bad.symtypes: line 2: malformed opaque declaration "t##foo"'],
		['s#foo struct\0foo', 'bad.symtypes: not a .symtypes file (binary data)'],
	];
	for (const [text, message] of cases) {
		const error = t.throws(() => parseSymtypes(text, 'bad.symtypes'), {instanceOf: InputError});
		t.is(error?.message, message);
	}
});

test('loads compressed files (gzip, xz, zstd) and whole build trees, recursively', async t => {
	const directory = temporaryDirectory(t);
	writeTemporary(directory, 'kernel/module/version.symtypes', readFileSync(fixture('symtypes/genksyms/types-a.symtypes')));
	writeTemporary(directory, 'drivers/x/.ignored.o.cmd', 'not symtypes');
	writeTemporary(directory, 'drivers/x/kept.symtypes.gz', gzipSync(readFileSync(fixture('symtypes/genksyms/override.symtypes'))));
	const index = await loadSymtypes(directory);
	t.is(index.scopes.length, 2);
	t.is(index.exports.get('use_kept')!.name.endsWith('kept.symtypes.gz'), true);
	t.is(genksymsCrc(index, 'simple'), 0x69_83_2D_5F);

	const gz = await loadSymtypes(fixture('symtypes/debian-6.1.0-47-amd64.version.symtypes.gz'));
	t.is(gz.scopes[0]!.get('module_layout')!.tokens[0], 'void');
	for (const name of ['override.symtypes.xz', 'override.symtypes.zst']) {
		const index = await loadSymtypes(fixture('symtypes/genksyms', name)); // eslint-disable-line no-await-in-loop
		t.is(genksymsCrc(index, 'use_kept'), 0x85_10_E4_7F, name);
	}
});

test('load errors name the path', async t => {
	const missing = await t.throwsAsync(loadSymtypes(fixture('symtypes/none.symtypes')), {instanceOf: InputError});
	t.regex(missing!.message, /none\.symtypes: no such file or directory$/);
	const empty = temporaryDirectory(t);
	const noFiles = await t.throwsAsync(loadSymtypes(empty), {instanceOf: InputError});
	t.regex(noFiles!.message, /no \.symtypes files in this directory/);
	const corrupt = writeTemporary(empty, 'bad.symtypes.gz', Buffer.from([0x1F, 0x8B, 0x08, 0, 1, 2, 3]));
	const gzip = await t.throwsAsync(loadSymtypes(corrupt), {instanceOf: InputError});
	t.regex(gzip!.message, /bad\.symtypes\.gz: gzip data is (corrupt|truncated)/);
});

test('more than 500,000 definitions in one input are refused with the limit named, in a file and across a tree', async t => {
	// Debian 6.1.0-47's real version.symtypes (471 definitions), its keys renamed per copy.
	const real = readFileSync(fixture('symtypes', 'debian-6.1.0-47-amd64.version.symtypes.gz'));
	const lines = (await import('node:zlib')).gunzipSync(real).toString('latin1').trimEnd().split('\n');
	t.is(lines.length, 471);
	const copy = (index: number) => lines.map(line => line.replace(/^(\S+)/, `$1_${index}`)).join('\n') + '\n';
	const copies = Math.ceil((maximumDefinitions + 1) / lines.length);
	const over = Array.from({length: copies}, (_, index) => copy(index)).join('');
	t.throws(() => parseSymtypes(over, 'big.symtypes'), {instanceOf: InputError, message: 'big.symtypes: more than 500,000 type definitions: not a kernel\'s symtypes (limit)'});
	// A tree: its files' distinct definitions add up; the same lines in every file count once.
	const directory = temporaryDirectory(t, 'symtypes-tree');
	const half = Math.ceil(copies / 2);
	writeTemporary(directory, 'a/a.symtypes', Array.from({length: half}, (_, index) => copy(index)).join(''));
	writeTemporary(directory, 'b/b.symtypes', Array.from({length: half}, (_, index) => copy(index)).join(''));
	t.is((await loadSymtypes(directory)).scopes.length, 2);
	writeTemporary(directory, 'c/c.symtypes', Array.from({length: half}, (_, index) => copy(half + index)).join(''));
	await t.throwsAsync(loadSymtypes(directory), {instanceOf: InputError, message: /[abc]\.symtypes: more than 500,000 type definitions: not a kernel.s symtypes \(limit\)$/});
});
