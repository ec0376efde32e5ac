import {buildCheckReport} from '../../source/engine/check-report.js';
import {diffKernels} from '../../source/kernel/diff-kernels.js';
import {act} from 'react';
import type {CliFlags} from '../../source/cli/flags.js';
import {loadKernels, loadModules} from '../../source/cli/load-inputs.js';
import {checkExplorerData, diffExplorerData, type ExplorerData} from '../../source/ui/state/data.js';
import {fixture} from '../helpers/paths.js';

export const kernel47 = `47=${fixture('kernels', '6.1.0-47-amd64', 'Module.symvers.gz')}`;
export const kernel56 = `56=${fixture('kernels', '6.1.0-56-amd64', 'Module.symvers.gz')}`;
export const myDrv = fixture('modules', 'my_drv-6.1.0-47-amd64.ko');

export function flagsFor(kernels: string[]): CliFlags {
	return {kernel: kernels, format: 'text', output: undefined, force: false, missingVersion: 'fatal', types: undefined, explain: false, color: false};
}

/** Real data through the engine, as the explorer gets it. */
export async function loadCheck(paths: string[], kernels = [kernel47, kernel56]): Promise<ExplorerData> {
	const flags = flagsFor(kernels);
	const [loaded, modules] = await Promise.all([loadKernels(flags), loadModules(paths)]);
	return checkExplorerData(buildCheckReport(modules, loaded, {missingVersion: 'fatal'}), loaded);
}

export async function loadDiff(kernels = [kernel47, kernel56]): Promise<ExplorerData> {
	const loaded = await loadKernels(flagsFor(kernels));
	return diffExplorerData(loaded, {kernels: loaded, rows: diffKernels(loaded)});
}

/**
Polls `probe` every `interval` ms until it returns something other than undefined or false, and
returns that; after `timeout` ms fails with what it waited for (`waitedFor()`: say what, and show
the screen). For waiting on a frame, never on the clock: the timeout only bounds a broken test.
*/
export async function waitUntil<T>(probe: () => T | undefined | false, waitedFor: () => string, {timeout = 120_000, interval = 10} = {}): Promise<T> {
	const deadline = Date.now() + timeout;
	for (;;) {
		const value = probe();
		if (value !== undefined && value !== false) {
			return value;
		}

		if (Date.now() > deadline) {
			throw new Error(`timed out after ${timeout} ms waiting for ${waitedFor()}`);
		}

		// eslint-disable-next-line no-await-in-loop
		await new Promise(resolve => {
			setTimeout(resolve, interval);
		});
	}
}

type Stdin = {write: (data: string) => void; listenerCount: (event: string) => number};

/**
Types keys into the explorer of ink-testing-library, one key at a time, each settled before the
next: React's act() returns once everything the key caused has rendered, the effects it ran
included (the detail's scroll range is set by an effect: a G before it would be lost). Ink only
listens to stdin once its first effects ran, so wait for its listener first. Results that come
later (an explanation's promise) show in a later frame: wait for that frame (`frameWhere`).
*/
export async function press(stdin: Stdin, ...keys: string[]): Promise<void> {
	await waitUntil(() => stdin.listenerCount('readable') > 0, () => 'the explorer to listen to stdin');
	for (const key of keys) {
		// eslint-disable-next-line no-await-in-loop
		await settled(async () => {
			stdin.write(key);
			// Ink holds a lone Esc until its next setImmediate (it could begin an escape sequence).
			await new Promise(resolve => {
				setImmediate(resolve);
			});
		});
	}
}

/**
act() with React's act environment on only meanwhile: updates outside it (an explanation
arriving) render as in the real explorer, without act's warnings about them.
*/
async function settled(callback: () => Promise<void>): Promise<void> {
	const global = globalThis as {IS_REACT_ACT_ENVIRONMENT?: boolean};
	global.IS_REACT_ACT_ENVIRONMENT = true;
	try {
		await act(callback);
	} finally {
		global.IS_REACT_ACT_ENVIRONMENT = false;
	}
}

export const keys = {
	enter: '\r',
	escape: '\u001B',
	up: '\u001B[A',
	down: '\u001B[B',
	pageDown: '\u001B[6~',
	pageUp: '\u001B[5~',
	home: '\u001B[H',
	end: '\u001B[F',
	tab: '\t',
	shiftTab: '\u001B[Z',
	ctrlD: '\u0004',
	ctrlU: '\u0015',
	ctrlC: '\u0003',
	backspace: '\u007F',
};

// eslint-disable-next-line no-control-regex -- ANSI escapes start with ESC.
const ansi = /\u001B\[[\d;?]*[A-Za-z]/g;
export const plain = (frame: string | undefined) => (frame ?? '').replaceAll(ansi, '');
