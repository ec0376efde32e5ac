import test from 'ava';
import {nameHash} from '../../source/common/name-hash.js';
import {SymversTable} from '../../source/kernel/symvers.js';
import {packExports, PackedExports} from '../../source/kernel/packed-exports.js';
import {readGzipText} from '../helpers/derive.js';
import {fixture} from '../helpers/paths.js';

test('FNV-1a 32-bit: the published test vectors', t => {
	// From the FNV authors' test suite (isthe.com/chongo/tech/comp/fnv): "", "a", "foobar".
	t.is(nameHash('') >>> 0, 0x81_1c_9d_c5);
	t.is(nameHash('a') >>> 0, 0xe4_0c_29_2c);
	t.is(nameHash('foobar') >>> 0, 0xbf_9c_f9_68);
});

test('Module.symvers and the packed exports find every name of a real kernel by the same hash', t => {
	const text = readGzipText(fixture('kernels/6.1.0-47-amd64/Module.symvers.gz'));
	const symvers = new SymversTable(Buffer.from(text, 'latin1'), 'Module.symvers');
	const names = text.split('\n').filter(Boolean).map(line => line.split('\t')[1]!);
	const exports = names.map(name => symvers.get(name)!);
	t.true(exports.every(Boolean));
	const packed = PackedExports.open(packExports(exports), 'packed')!;
	t.deepEqual(names.filter(name => packed.get(name)?.name !== name), []);
	t.true(names.length > 24_000, `${names.length} names`);
});
