import {EventEmitter} from 'node:events';

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
