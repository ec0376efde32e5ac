import test, {type ExecutionContext} from 'ava';
import {render} from 'ink-testing-library';
import {App} from '../../source/ui/app.js';
import type {ExplorerData} from '../../source/ui/state/data.js';
import {firstUnsafe} from '../helpers/controls.js';
import {temporaryDirectory} from '../helpers/derive.js';
import {hostileModule, hostileSymvers} from '../helpers/hostile.js';
import {kernel47, kernel56, keys, loadCheck, loadDiff, myDrv, plain, press, waitUntil} from './ui-fixtures.js';

/*
The explorer draws names from files. Ink strips CSI from text but passes OSC: a name holding
OSC 52 or OSC 0 would write the clipboard or the window title just by being drawn. Every frame
must carry nothing but text and the explorer's own SGR codes; `y` must not copy such a name.
*/

const size = {columns: 100, rows: 30};

function mount(t: ExecutionContext, data: ExplorerData) {
	const directory = temporaryDirectory(t, 'ui');
	const instance = render(<App data={data} theme={{color: true}} size={size} directory={directory}/>);
	t.teardown(() => {
		instance.unmount();
	});
	const frameWhere = async (expected: RegExp) => waitUntil(
		() => {
			const text = plain(instance.lastFrame());
			return expected.test(text) && text;
		},
		() => `a frame where ${String(expected)}; the last frame:\n${plain(instance.lastFrame())}`,
	);
	/** Every write the explorer made to its terminal so far: frames, and the clipboard's OSC 52. */
	const written = () => instance.frames.join('');
	return {...instance, frameWhere, written};
}

async function hostileData(t: ExecutionContext): Promise<ExplorerData> {
	const directory = temporaryDirectory(t, 'hostile');
	return loadCheck([hostileModule(directory)], [`47=${hostileSymvers(directory)}`, kernel56]);
}

test.serial('opening a hostile module: no frame carries OSC, CR, C1 or bidi controls; the names show them as escapes', async t => {
	const {written, frameWhere, stdin} = mount(t, await hostileData(t));
	let text = await frameWhere(/1 of 21/);
	t.true(text.includes(String.raw`\x1b]0;T\x07`), text);
	// Every symbol row, the detail of each hostile one, the kernel pane and the help.
	for (const query of ['abcd', 'img', 'injected', 'js:x']) {
		// eslint-disable-next-line no-await-in-loop
		await press(stdin, '/', ...query, keys.enter, keys.enter);
		// eslint-disable-next-line no-await-in-loop
		text = await frameWhere(/·/);
		// eslint-disable-next-line no-await-in-loop
		await press(stdin, keys.escape);
	}

	await press(stdin, keys.tab, keys.enter, keys.escape, 'G', '?', keys.escape);
	t.is(firstUnsafe(written()), undefined);
	t.false(written().includes('\u001B]'), 'no OSC at all');
	t.false(written().includes('\r'), 'no CR');
});

test.serial('y refuses a name with controls, and copies a clean one with OSC 52', async t => {
	const hostile = mount(t, await hostileData(t));
	await hostile.frameWhere(/1 of 21/);
	await press(hostile.stdin, '/', ...'abcd', keys.enter);
	await hostile.frameWhere(/\\x1b\]52;c;ZXZpbAo=\\x07\\r\\nabcd/);
	await press(hostile.stdin, 'y');
	await hostile.frameWhere(/not copied: .*holds control or invisible/);
	t.false(hostile.written().includes('\u001B]52'), 'nothing on the clipboard');
	t.is(firstUnsafe(hostile.written()), undefined);

	const clean = mount(t, await loadCheck([myDrv], [kernel47, kernel56]));
	await clean.frameWhere(/1 of 21/);
	await press(clean.stdin, 'y');
	await clean.frameWhere(/copied module_layout \(OSC 52\)/);
	t.true(clean.written().includes(`\u001B]52;c;${Buffer.from('module_layout').toString('base64')}\u0007`));
});

test.serial('kernel against kernel: a Module.symvers with hostile names draws safely', async t => {
	const directory = temporaryDirectory(t, 'hostile');
	const {written, frameWhere, stdin} = mount(t, await loadDiff([`47=${hostileSymvers(directory)}`, kernel56]));
	await frameWhere(/of \d+/);
	await press(stdin, '/', ...'kthread_stop', keys.enter, keys.enter);
	await frameWhere(/kthread_stop\\x1b\[2J\\x9b/);
	await press(stdin, keys.escape, '/', ...'misc_register', keys.enter, keys.enter);
	await frameWhere(/\\x1b\]0;S\\x07drivers\/char/);
	t.is(firstUnsafe(written()), undefined);
	t.false(written().includes('\u001B]'));
});
