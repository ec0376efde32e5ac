import type {CliFlags} from '../../source/cli/flags.js';
import {loadKernels, loadModules} from '../../source/cli/load-inputs.js';
import {checkData, diffData, type ExplorerData} from '../../source/ui/state/data.js';
import {fixture} from '../helpers/paths.js';

export const kernel47 = `47=${fixture('kernels', '6.1.0-47-amd64', 'Module.symvers.gz')}`;
export const kernel56 = `56=${fixture('kernels', '6.1.0-56-amd64', 'Module.symvers.gz')}`;
export const myDrv = fixture('modules', 'my_drv-6.1.0-47-amd64.ko');

export function flagsFor(kernels: string[]): CliFlags {
	return {kernel: kernels, format: 'text', json: false, output: undefined, force: false, missingVersion: 'fatal', types: undefined, explain: false, color: false};
}

/** Real data through the engine, as the explorer gets it. */
export async function loadCheck(paths: string[], kernels = [kernel47, kernel56]): Promise<ExplorerData> {
	const flags = flagsFor(kernels);
	const [loaded, modules] = await Promise.all([loadKernels(flags), loadModules(paths)]);
	return checkData(modules, loaded, {missingVersion: 'fatal'});
}

export async function loadDiff(kernels = [kernel47, kernel56]): Promise<ExplorerData> {
	return diffData(await loadKernels(flagsFor(kernels)));
}

export const delay = async (ms: number) => new Promise(resolve => {
	setTimeout(resolve, ms);
});

/** Ink reads stdin asynchronously and flushes a lone Esc on the next tick: give it a moment. */
export async function press(stdin: {write: (data: string) => void}, ...keys: string[]): Promise<void> {
	for (const key of keys) {
		stdin.write(key);
		// eslint-disable-next-line no-await-in-loop
		await delay(key === '\u001B' ? 40 : 25);
	}

	// Effects (export, explanations) render one passive-effect round later.
	await delay(80);
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

const ansi = /\u001B\[[\d;?]*[A-Za-z]/g;
export const plain = (frame: string | undefined) => (frame ?? '').replaceAll(ansi, '');
