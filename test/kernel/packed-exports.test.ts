import {readFileSync} from 'node:fs';
import {gunzipSync} from 'node:zlib';
import test from 'ava';
import {packExports, PackedExports} from '../../source/kernel/packed-exports.js';
import {SymversTable} from '../../source/kernel/symvers.js';
import {fixture} from '../helpers/paths.js';

const symvers = (release: string) => new SymversTable(gunzipSync(readFileSync(fixture('kernels', release, 'Module.symvers.gz'))), 'Module.symvers');

for (const release of ['6.1.0-56-amd64', '6.1.0-47-s390x']) {
	test(`${release}: every export reads back the same from the packed table, in at most 70% of the text's size`, t => {
		const table = symvers(release);
		const packed = packExports(table.all(), 'key');
		const copy = PackedExports.open(packed, 'entry', 'key')!;
		t.is(copy.size, table.size);
		const original = [...table.all()];
		t.deepEqual([...copy.all()], original);
		for (const entry of original) {
			t.deepEqual(copy.get(entry.name), entry);
		}

		t.is(copy.get('not_exported_by_anyone'), undefined);
		t.true(packed.length < gunzipSync(readFileSync(fixture('kernels', release, 'Module.symvers.gz'))).length * 0.7, `${packed.length} bytes`);
	});
}

test('exports without a CRC (a kernel without modversions), namespaces, and the first of two definitions', t => {
	const entries = [
		{name: 'usb_stor_suspend', crc: undefined, module: 'drivers/usb/storage/usb-storage', exportType: 'EXPORT_SYMBOL_GPL' as const, namespace: 'USB_STORAGE'},
		{name: 'printk', crc: 0xFF_FF_FF_FF, module: 'vmlinux', exportType: 'EXPORT_SYMBOL' as const, namespace: ''},
		{name: 'printk', crc: 1, module: 'other', exportType: 'EXPORT_SYMBOL' as const, namespace: ''},
	];
	const copy = PackedExports.open(packExports(entries), 'entry')!;
	t.deepEqual(copy.get('usb_stor_suspend'), entries[0]);
	t.deepEqual(copy.get('printk'), entries[1]);
	t.is(copy.size, 2);
});
