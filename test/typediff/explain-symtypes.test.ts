import {readFileSync} from 'node:fs';
import test from 'ava';
import {formatExplanationText} from '../../source/views/explanation-text.js';
import {explainSymtypes} from '../../source/typediff/explain-symtypes.js';
import {loadSymtypes} from '../../source/symtypes/load-symtypes.js';
import {parseSymtypes} from '../../source/symtypes/read-symtypes.js';
import {fixture} from '../helpers/paths.js';

const old = await loadSymtypes(fixture('symtypes/debian-6.1.0-47-amd64.version.symtypes.gz'));
const current = await loadSymtypes(fixture('symtypes/debian-6.1.0-56-amd64.version.symtypes.gz'));
const corpusPair = () => explainSymtypes({
	symbol: 'module_layout',
	from: {label: '6.1.0-47-amd64', index: old, kernelCrc: 0x16_0C_03_AF},
	to: {label: '6.1.0-56-amd64', index: current, kernelCrc: 0x90_60_32_3F},
});

test('the corpus pair: verified, and exactly the six changed definitions', t => {
	const explanation = corpusPair();
	t.is(explanation.method, 'symtypes');
	t.true(explanation.verified);
	t.deepEqual(explanation.recomputed, {from: '0x160c03af', to: '0x9060323f'});
	t.deepEqual(explanation.from, {kernel: '6.1.0-47-amd64', crc: '0x160c03af'});
	t.deepEqual(explanation.to, {kernel: '6.1.0-56-amd64', crc: '0x9060323f'});
	t.is(explanation.notes, undefined);

	const byType = new Map<string, string[]>();
	for (const change of explanation.changes) {
		t.is(change.kind, 'member_added');
		byType.set(change.type, [...byType.get(change.type) ?? [], change.member!]);
	}

	t.deepEqual(Object.fromEntries(byType), {
		'struct task_struct': ['user_dumpable', 'kstack_offset'],
		'struct mm_struct': ['(anonymous).futex_unique_id'],
		'struct user_struct': ['perf_mlock'],
		'struct key': ['(anonymous).(anonymous).type_id', '(anonymous).(anonymous).domain_id'],
		'struct keyring_index_key': ['type_id', 'domain_id'],
		'struct key_tag': ['index_id'],
	});
});

test('the corpus pair: C-like text and the shortest path from module_layout', t => {
	const changes = corpusPair().changes;
	const change = (member: string) => changes.find(item => item.member === member)!;
	t.is(change('user_dumpable').after, 'unsigned user_dumpable:1;');
	t.is(change('kstack_offset').after, 'u32 kstack_offset;');
	t.is(change('(anonymous).futex_unique_id').after, 'atomic64_t futex_unique_id;');
	t.is(change('perf_mlock').after, 'atomic_long_t perf_mlock;');
	t.is(change('index_id').after, 'atomic64_t index_id;');
	t.is(change('user_dumpable').before, undefined);

	const taskPath = change('user_dumpable').path;
	t.is(taskPath[0], 'module_layout');
	t.is(taskPath[1], 'struct module');
	t.is(taskPath.at(-1), 'struct task_struct');
	t.is(taskPath.length, 9);
	t.deepEqual(change('index_id').path.slice(-3), ['struct cred', 'struct key', 'struct key_tag']);
	for (const item of changes) {
		t.is(item.path.at(-1), item.type);
	}
});

test('symtypes that do not belong to the kernel are not verified', t => {
	const explanation = explainSymtypes({
		symbol: 'module_layout',
		from: {label: '47', index: old, kernelCrc: 0x16_0C_03_AF},
		to: {label: '50', index: current, kernelCrc: 0xBC_E1_A9_65},
	});
	t.false(explanation.verified);
	t.deepEqual(explanation.notes, ['the symtypes for 50 do not belong to that kernel: recomputed 0x9060323f but the kernel carries 0xbce1a965']);
	t.is(explanation.to.crc, '0xbce1a965');

	const unknown = explainSymtypes({symbol: 'module_layout', from: {label: '47', index: old}, to: {label: '56', index: current}});
	t.false(unknown.verified);
	t.is(unknown.from.crc, undefined);
	t.is(unknown.notes?.length, 2);

	const same = explainSymtypes({symbol: 'module_layout', from: {label: '47', index: old, kernelCrc: 0x16_0C_03_AF}, to: {label: '47 again', index: old, kernelCrc: 0x16_0C_03_AF}});
	t.true(same.verified);
	t.deepEqual(same.changes, []);
	t.regex(same.notes![0]!, /same recomputed CRC/);
});

const handWritten = (name: string) => parseSymtypes(readFileSync(fixture('symtypes/genksyms', name)), name);

test('every kind of change, on symtypes genksyms wrote', t => {
	const explanation = explainSymtypes({
		symbol: 'node_count',
		from: {label: 'a', index: handWritten('types-a.symtypes'), kernelCrc: 0xFB_38_0D_4D},
		to: {label: 'b', index: handWritten('types-b.symtypes'), kernelCrc: 0xAD_E5_26_A8},
	});
	t.true(explanation.verified);
	const summary = explanation.changes.map(change => [change.type, change.kind, change.member, change.before, change.after]);
	t.deepEqual(summary, [
		['my_u32', 'typedef_changed', undefined, 'typedef u32 my_u32;', 'typedef unsigned long my_u32;'],
		['struct node', 'member_added', 'dumpable', undefined, 'unsigned int dumpable:1;'],
		['struct node', 'member_type_changed', 'callback', 'void (*callback)(struct node *, chain_t);', 'void (*callback)(struct node *, chain_t, int);'],
		['struct node', 'member_added', '(anonymous).(anonymous).extra', undefined, 'short extra;'],
		['enum color', 'enumerator_value_changed', 'GREEN', 'GREEN = 5', 'GREEN = 6'],
		['enum color', 'enumerator_added', 'PURPLE', undefined, 'PURPLE'],
		['union value', 'member_removed', 'l', 'long l;', undefined],
		['struct undefined_thing', 'became_defined', undefined, 'struct undefined_thing;', 'struct undefined_thing { int now_defined; };'],
		['BLUE', 'enumerator_value_changed', 'BLUE', '(5) + 1', '(6) + 1'],
		['counter_t', 'member_type_changed', 'counter', 'int counter;', 'long counter;'],
		// my_u32 no longer names u32: the old expansion hashed a definition the new one lacks.
		['u32', 'type_removed', undefined, 'typedef unsigned int u32;', undefined],
	]);
	t.deepEqual(explanation.changes[0]!.path, ['node_count', 'chain_t', 'my_u32']);
	t.deepEqual(explanation.changes.at(-1)!.path, ['node_count', 'chain_t', 'my_u32', 'u32']);
	t.deepEqual(explanation.changes[6]!.path, ['node_count', 'struct node', 'union value']);

	const prototype = explainSymtypes({
		symbol: 'simple',
		from: {label: 'a', index: handWritten('types-a.symtypes')},
		to: {label: 'b', index: handWritten('types-b.symtypes')},
	});
	t.deepEqual(prototype.changes, [{type: 'simple', kind: 'prototype_changed', before: 'int simple(int);', after: 'long simple(int);', path: ['simple']}]);
});

test('became opaque, reordered members, and changes no finer rule names', t => {
	const explain = (before: string, after: string) => explainSymtypes({
		symbol: 'f',
		from: {label: 'a', index: parseSymtypes(before, 'a.symtypes')},
		to: {label: 'b', index: parseSymtypes(after, 'b.symtypes')},
	}).changes;
	const opaque = explain('s#s struct s { int a ; } \nf void f ( s#s * ) ', 'f void f ( s#s * ) ');
	t.deepEqual(opaque.map(change => [change.kind, change.before, change.after]), [['became_opaque', 'struct s { int a; };', 'struct s;']]);

	const reordered = explain('s#s struct s { int a ; int b ; } \nf void f ( s#s * ) ', 's#s struct s { int b ; int a ; } \nf void f ( s#s * ) ');
	t.is(reordered[0]!.kind, 'definition_changed');
	t.is(reordered[0]!.after, 'members in the order b, a');

	const attribute = explain(
		's#s struct s { int a ; } \nf void f ( s#s * ) ',
		's#s struct s { int a ; } __attribute__ ( ( packed ) ) \nf void f ( s#s * ) ',
	);
	t.deepEqual(attribute.map(change => [change.kind, change.before, change.after]), [['definition_changed', '… int a; }', '… int a; } __attribute__((packed))']]);

	const removed = explain('s#s struct s { int a ; union { int b ; long c ; } ; } \nf void f ( s#s * ) ', 's#s struct s { int a ; union { int b ; } ; } \nf void f ( s#s * ) ');
	t.deepEqual(removed.map(change => [change.kind, change.member, change.before]), [['member_removed', '(anonymous).c', 'long c;']]);

	const named = explain('s#s struct s { struct { int x ; } pos ; } \nf void f ( s#s * ) ', 's#s struct s { struct { long x ; } pos ; } \nf void f ( s#s * ) ');
	t.deepEqual(named.map(change => [change.kind, change.member]), [['member_type_changed', 'pos.x']]);

	const typedefEnum = explain('t#k typedef enum { A , B } k \nf void f ( t#k ) ', 't#k typedef enum { A , B = 3 } k \nf void f ( t#k ) ');
	t.deepEqual(typedefEnum.map(change => [change.type, change.kind, change.member, change.after]), [['k', 'enumerator_value_changed', 'B', 'B = 3']]);

	const enumRemoved = explain('e#e enum e { A , B } \nf void f ( e#e ) ', 'e#e enum e { A } \nf void f ( e#e ) ');
	t.deepEqual(enumRemoved.map(change => [change.kind, change.member]), [['enumerator_removed', 'B']]);
});

test('the text rendering of an explanation', t => {
	const text = formatExplanationText(corpusPair());
	const lines = text.split('\n');
	t.is(lines[0], 'module_layout: 6.1.0-47-amd64 0x160c03af → 6.1.0-56-amd64 0x9060323f');
	t.is(lines[1], 'method: symtypes, verified (recomputed 0x160c03af → 0x9060323f)');
	t.is(lines[2], '6 changed types:');
	t.true(lines.includes('struct task_struct'));
	t.true(lines.includes('  + unsigned user_dumpable:1;'));
	t.true(lines.includes('  + (anonymous).futex_unique_id: atomic64_t futex_unique_id;'));
	t.regex(text, /via module_layout → struct module → .* → struct task_struct\n/);
	t.false(text.includes('note:'));
});

/** The CRCs genksyms printed for a fixture ("#SYMVER name 0x…"). */
function genksymsCrcs(name: string): Map<string, number> {
	return new Map(readFileSync(fixture(`symtypes/genksyms/${name}.crcs`), 'utf8').trim().split('\n').map(line => {
		const [, symbol, crc] = line.split(' ');
		return [symbol!, Number.parseInt(crc!, 16)];
	}));
}

test('definitions one side only reaches: listed whole, except behind a type that became defined (genksyms fixtures)', t => {
	const [a, b] = ['new-type-a', 'new-type-b'].map(name => parseSymtypes(readFileSync(fixture(`symtypes/genksyms/${name}.symtypes`), 'utf8'), name));
	const [crcsA, crcsB] = [genksymsCrcs('new-type-a'), genksymsCrcs('new-type-b')];
	const why = (symbol: string) => explainSymtypes({symbol, from: {label: 'a', index: a!, kernelCrc: crcsA.get(symbol)}, to: {label: 'b', index: b!, kernelCrc: crcsB.get(symbol)}});
	const summary = (symbol: string) => why(symbol).changes.map(change => [change.type, change.kind, change.member ?? change.after ?? change.before]);

	// A struct reached only through an added member enters the new CRC whole: it is a cause.
	t.true(why('station_get').verified);
	t.deepEqual(summary('station_get'), [
		['struct station_info', 'member_added', 'links'],
		['struct link_station_info', 'type_added', 'struct link_station_info { int link_id; long bytes; };'],
	]);
	t.deepEqual(why('station_get').changes[1]!.path, ['station_get', 'struct station_info', 'struct link_station_info']);
	// struct sock became defined: one cause, not struct inet_opt that its definition pulls in.
	t.true(why('peer_clone').verified);
	t.deepEqual(summary('peer_clone').map(([type, kind]) => [type, kind]), [['struct sock', 'became_defined']]);
	// A struct reached only before (its member removed): gone.
	t.true(why('counters_read').verified);
	t.deepEqual(summary('counters_read'), [
		['struct counters', 'member_removed', 'stats'],
		['struct old_stats', 'type_removed', 'struct old_stats { long drops; };'],
	]);
	t.regex(formatExplanationText(why('station_get')), /\+ new, reached only in the new kernel: struct link_station_info \{ int link_id; long bytes; \};/);
});
