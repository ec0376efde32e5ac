import {readFileSync} from 'node:fs';
import test from 'ava';
import {InputError} from '../../source/common/input-error.js';
import {SymversTable} from '../../source/kernel/symvers.js';
import {fixture} from '../helpers/paths.js';
import {readGzipText} from '../helpers/derive.js';

const text47 = readGzipText(fixture('kernels/6.1.0-47-amd64/Module.symvers.gz'));
const text56 = readGzipText(fixture('kernels/6.1.0-56-amd64/Module.symvers.gz'));
const table = (text: string, file = 'Module.symvers') => new SymversTable(Buffer.from(text, 'latin1'), file);

test('Debian 6.1 symvers: counts, module_layout, namespaces (corpus facts)', t => {
	const k47 = table(text47);
	const k56 = table(text56);
	t.is(k47.size, 24_618);
	t.is(k56.size, 24_683);
	t.is(k47.get('module_layout')?.crc, 0x16_0c_03_af);
	t.is(k56.get('module_layout')?.crc, 0x90_60_32_3f);
	t.is(table(readGzipText(fixture('kernels/6.1.0-50-amd64/Module.symvers.gz'))).get('module_layout')?.crc, 0xbc_e1_a9_65);
	t.deepEqual(k47.get('insert_resource_expand_to_fit'), {name: 'insert_resource_expand_to_fit', crc: k47.get('insert_resource_expand_to_fit')!.crc, module: 'vmlinux', exportType: 'EXPORT_SYMBOL_GPL', namespace: 'CXL'});
	t.is(k47.get('usb_stor_probe1')?.namespace, 'USB_STORAGE');
	t.is(k47.get('usb_stor_probe1')?.module, 'drivers/usb/storage/usb-storage');
	t.is(k47.get('no_such_symbol_anywhere'), undefined);
	let different = 0;
	for (const entry of k47.all()) {
		const other = k56.get(entry.name);
		if (other && other.crc !== entry.crc) {
			different++;
		}
	}

	t.is(different, 18_254);
});

test('lazy lookups agree with the full index for every symbol', t => {
	const lazy = table(text47);
	const full = [...table(text47).all()];
	// Stay under the index threshold for the first 500 names, then cross it.
	for (const entry of full.slice(0, 600)) {
		t.deepEqual(lazy.get(entry.name), entry);
	}
});

test('a symbol name that also appears as a module path is found in its own column', t => {
	const text = '0x00000001\tfoo\tbar\tEXPORT_SYMBOL\t\n0x00000002\tbar\tvmlinux\tEXPORT_SYMBOL\t\n';
	t.is(table(text).get('bar')?.crc, 2);
});

/** Re-encode the real lines into each historic layout. */
function relayout(text: string, columns: (fields: string[]) => string[]): string {
	return text.split('\n').filter(Boolean).slice(0, 3000).map(line => columns(line.split('\t')).join('\t')).join('\n') + '\n';
}

test('every historic column layout', t => {
	const reference = table(text47);
	const layouts: Array<[string, (f: string[]) => string[]]> = [
		['≤ 2.6.17', ([crc, name, module]) => [crc!, name!, module!]],
		['2.6.18 – 5.3', ([crc, name, module, type]) => [crc!, name!, module!, type!]],
		['5.4 – 5.5', ([crc, name, module, type, ns]) => [crc!, name!, ns!, module!, type!]],
		['≥ 5.6', fields => fields],
	];
	for (const [label, columns] of layouts) {
		const derived = table(relayout(text47, columns), label);
		t.is(derived.size, 3000, label);
		for (const entry of derived.all()) {
			const original = reference.get(entry.name)!;
			t.is(entry.crc, original.crc, label);
			t.is(entry.module, original.module, label);
			t.is(entry.exportType, label === '≤ 2.6.17' ? 'EXPORT_SYMBOL' : original.exportType, label);
			t.is(entry.namespace, label.startsWith('5.4') || label.startsWith('≥') ? original.namespace : '', label);
		}
	}

	t.is(table(relayout(text47, ([crc, name, module, type, ns]) => [crc!, name!, ns!, module!, type!])).get('insert_resource_expand_to_fit')?.namespace, 'CXL');
});

test('columns separated by runs of spaces (suse-kabi-tools reads them so) mean what tabs mean', t => {
	const lines = text47.split('\n');
	const spaced = table(lines.map((line, index) => index % 2 === 0 ? line.replaceAll('\t', '  ') : ` ${line.replaceAll('\t', ' \t')} `).join('\n'));
	const tabs = table(text47);
	t.is(spaced.size, tabs.size);
	for (const name of ['module_layout', 'insert_resource_expand_to_fit', 'usb_stor_probe1', 'init_uts_ns']) {
		t.truthy(tabs.get(name), name);
		t.deepEqual(spaced.get(name), tabs.get(name), name);
	}
});

test('CRLF line ends are accepted', t => {
	t.is(table(text47.replaceAll('\n', '\r\n')).get('module_layout')?.crc, 0x16_0c_03_af);
});

test('empty and malformed files are one-line errors with the line number', t => {
	const lines = text47.split('\n');
	const broken = (index: number, line: string) => [...lines.slice(0, index), line, ...lines.slice(index + 1)].join('\n');
	const cases: Array<[string, RegExp]> = [
		['', /empty Module\.symvers/],
		['\n\n', /empty Module\.symvers/],
		[broken(99, lines[99]!.replace('0x', '')), /line 100: expected a CRC/],
		[broken(5, lines[5]!.replaceAll('\t', ' ').replace('0x', '0x ')), /line 6: expected a CRC/],
		[broken(7, lines[7]!.replace('EXPORT_SYMBOL', 'EXPORT_THING')), /line 8: unknown export type/],
		[broken(9, lines[9]!.split('\t').slice(0, 2).join('\t')), /line 10: expected 3 to 5/],
		[broken(11, lines[11]!.replace(/\t[^\t]+/, '\t')), /line 12: empty symbol name/],
		[broken(13, lines[13]! + '\textra\tcolumns'), /line 14: expected 3 to 5/],
		['\u0000\u0001binary', /binary data/],
	];
	for (const [text, pattern] of cases) {
		const error = t.throws(() => table(text, 'k/Module.symvers'), {instanceOf: InputError});
		t.regex(error!.message, /^k\/Module\.symvers: /);
		t.regex(error!.message, pattern);
		t.false(error!.message.includes('\n'));
	}
});

test('a real module file given as symvers is refused', t => {
	t.throws(() => new SymversTable(readFileSync(fixture('modules/6.1.0-47-amd64/dummy.ko')), 'dummy.ko'), {instanceOf: InputError});
});
