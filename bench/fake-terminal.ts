import {EventEmitter} from 'node:events';
import {performance} from 'node:perf_hooks';
import {render} from 'ink';
import {createElement} from 'react';
import {App} from '../source/ui/app.js';
import type {ExplorerData} from '../source/ui/state/data.js';

/*
A terminal for Ink in the latency benches: stdout counts frames and tells a waiter when one is
written; stdin is fed keys by hand. Ink renders into them as into a TTY of 120×40.
*/

export class FakeStdout extends EventEmitter {
	readonly isTTY = true;
	columns = 120;
	rows = 40;
	frames = 0;
	/** The last chunk written. */
	last = '';
	onFrame: (() => void) | undefined;
	write = (chunk: string) => {
		this.frames += chunk.length > 0 ? 1 : 0;
		this.last = chunk;
		this.onFrame?.();
		return true;
	};
}

export class FakeStdin extends EventEmitter {
	isTTY = true;
	private data: string | null = null;
	write(data: string) {
		this.data = data;
		this.emit('readable');
		this.emit('data', data);
	}

	read() {
		const {data} = this;
		this.data = null;
		return data;
	}

	setEncoding() {}
	setRawMode() {}
	resume() {}
	pause() {}
	ref() {}
	unref() {}
}

export const delay = async (ms: number) => new Promise(resolve => {
	setTimeout(resolve, ms);
});

export const percentile = (values: number[], p: number) => {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};

export type MountedExplorer = {
	/** Sends `key` and gives the milliseconds to the frame it causes, or undefined after `timeout` ms. */
	keyToFrame(key: string, timeout: number): Promise<number | undefined>;
	unmount(): void;
};

/** The explorer in Ink as it runs (60 fps, 120×40, colors), into the fake terminal; resolves on its first frame. */
export async function mountExplorer(data: ExplorerData): Promise<MountedExplorer> {
	const stdout = new FakeStdout();
	const stdin = new FakeStdin();
	const firstFrame = new Promise<void>(resolve => {
		stdout.onFrame = resolve;
	});
	const instance = render(createElement(App, {data, theme: {color: true}}), {stdout: stdout as unknown as NodeJS.WriteStream, stdin: stdin as unknown as NodeJS.ReadStream, exitOnCtrlC: false, patchConsole: false, maxFps: 60});
	await firstFrame;
	return {
		async keyToFrame(key, timeout) {
			const framed = new Promise<number>(resolve => {
				stdout.onFrame = () => {
					resolve(performance.now());
				};
			});
			const sent = performance.now();
			stdin.write(key);
			const at = await Promise.race([framed, delay(timeout).then(() => Number.NaN)]);
			return Number.isNaN(at) ? undefined : at - sent;
		},
		unmount() {
			instance.unmount();
		},
	};
}
