import test from 'ava';
import {render} from 'ink-testing-library';
import {App} from '../../source/ui/app.js';
import {kernelOverview, KernelsTable, tableSize} from '../../source/ui/components/kernels-table.js';
import type {ExplorerData} from '../../source/ui/state/data.js';
import {readGzipText, temporaryDirectory} from '../helpers/derive.js';
import {fixture} from '../helpers/paths.js';
import {loadCheck, myDrv, plain, waitUntil} from './ui-fixtures.js';

let data: ExplorerData;
test.before(async () => {
	data = await loadCheck([myDrv]);
});

/** Exports in a Module.symvers, counted from its lines (not by kmodx's reader). */
const symversLines = (release: string) => readGzipText(fixture('kernels', release, 'Module.symvers.gz')).split('\n').filter(line => line.startsWith('0x')).length;

test('K: the kernels at a glance in an ink-table, exports as Module.symvers counts them; K or Esc closes it', async t => {
	const instance = render(<App data={data} theme={{color: false}} size={{columns: 100, rows: 30}} directory={temporaryDirectory(t, 'ui')}/>);
	t.teardown(() => {
		instance.unmount();
	});
	const frameWhere = async (test: (text: string) => boolean) => waitUntil(() => {
		const text = plain(instance.lastFrame());
		return test(text) && text;
	}, () => `the last frame:\n${plain(instance.lastFrame())}`);
	await frameWhere(text => text.includes('1 of 21'));
	instance.stdin.write('K');
	const table = await frameWhere(text => text.includes('Kernels  (Esc or K closes)'));
	// ink-table's borders, its heading, a row per kernel.
	t.regex(table, /┌─+┬/);
	t.regex(table, /│ kernel +│ kind +│ release +│ modversions +│ exports +│ verdict +│/);
	for (const [label, release] of [['47', '6.1.0-47-amd64'], ['56', '6.1.0-56-amd64']] as const) {
		t.regex(table, new RegExp(`│ ${label} +│ symvers +│ \\? +│ yes +│ ${symversLines(release).toLocaleString('en-US')} +│`), label);
	}

	t.regex(table, /│ 56 .*fails at module_layout/);
	instance.stdin.write('K');
	await frameWhere(text => !text.includes('Kernels  (Esc or K closes)') && text.includes('1 of 21'));
	instance.stdin.write('K');
	await frameWhere(text => text.includes('Kernels  (Esc or K closes)'));
	instance.stdin.write('\u001B');
	t.truthy(await frameWhere(text => !text.includes('Kernels  (Esc or K closes)')));
});

test('a terminal too small for the table says what it needs instead of wrapping borders', t => {
	const rows = kernelOverview(data.kernels, data.kernels.map(() => ({label: '', state: 'bad', text: 'fails at module_layout (11 CRC mismatches)'})));
	const size = tableSize(rows);
	const narrow = render(<KernelsTable rows={rows} height={20} width={size.width - 1} theme={{color: false}}/>);
	t.regex(plain(narrow.lastFrame()), new RegExp(`the kernels table needs ${size.width}×${size.height + 1}`));
	t.notRegex(plain(narrow.lastFrame()), /┌/);
	narrow.unmount();
	const fits = render(<KernelsTable rows={rows} height={size.height + 1} width={size.width} theme={{color: false}}/>);
	const lines = plain(fits.lastFrame()).split('\n');
	t.is(lines.length, size.height + 1, 'the title and the table, as tall as computed');
	t.true(lines.every(line => line.length <= size.width), 'as wide as computed');
	fits.unmount();
});
