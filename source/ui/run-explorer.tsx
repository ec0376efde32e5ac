import {useCallback, useEffect, useRef, useState} from 'react';
import {render, useApp, useInput} from 'ink';
import {exitStatus, internalErrorText} from '../common/exit-status.js';
import {App} from './app.js';
import type {KeyPress} from './hooks/use-explorer-input.js';
import type {CausesTask, ExplainFunction, ExplorerData} from './state/data.js';
import {quitSummary} from './state/summary.js';
import {LoadingFrame} from './components/status-screens.js';
import type {Theme} from './theme.js';

/**
How the loader reports: the phase it is in, and counters (kernels read, modules read…) that the
loading frame shows as they move.
*/
export type LoadProgress = {
	phase: (message: string) => void;
	count: (what: string, done: number, total: number) => void;
};

/** What the explorer shows and how it explains, loaded by the caller while the loading frame runs. */
export type ExplorerLoad = (progress: LoadProgress) => Promise<Loaded>;

export type ExplorerOptions = {
	theme: Theme;
	stdout?: NodeJS.WriteStream;
	stdin?: NodeJS.ReadStream;
};

import {enterAlternateScreen, guardTerminal} from './pre-frame.js';

/** `causes`: work the explorer does after its first frame (the kernel diff grouped by cause). */
type Loaded = {data: ExplorerData; explain?: ExplainFunction; causes?: CausesTask};
type RootProps = {load: ExplorerLoad; theme: Theme; onData: (data: ExplorerData) => void; onWritten: (file: string) => void};
type Progress = {message: string; counters: ReadonlyMap<string, {done: number; total: number}>; started: number; now: number};

/** Shows the loading frame (phase, counters, elapsed time) while the engine loads, then the explorer. */
function Root({load, theme, onData, onWritten}: RootProps) {
	const [loaded, setLoaded] = useState<Loaded>();
	const data = loaded?.data;
	// performance.now(): monotonic, the elapsed time never goes backwards.
	const [progress, setProgress] = useState<Progress>(() => ({message: 'reading the inputs', counters: new Map(), started: performance.now(), now: performance.now()}));
	const {exit} = useApp();
	useEffect(() => {
		const timer = setInterval(() => {
			setProgress(previous => ({...previous, now: performance.now()}));
		}, 100);
		load({
			phase(message) {
				setProgress(previous => ({...previous, message, now: performance.now()}));
			},
			count(what, done, total) {
				setProgress(previous => ({...previous, counters: new Map(previous.counters).set(what, {done, total}), now: performance.now()}));
			},
		}).then(
			result => {
				clearInterval(timer);
				onData(result.data);
				setLoaded(result);
			},
			(error: unknown) => {
				clearInterval(timer);
				exit(error instanceof Error ? error : new Error(String(error)));
			},
		);
		return () => {
			clearInterval(timer);
		};
	// eslint-disable-next-line react-hooks/exhaustive-deps
	}, []);
	// Keys between the explorer's first frame and its own input hook (attached after the frame is
	// on screen) would be lost: they are kept here and handed over once it listens.
	const shown = useRef(false);
	shown.current = data !== undefined;
	const early = useRef<KeyPress[] | undefined>([]);
	useInput((input, key) => {
		if (shown.current) {
			early.current?.push({input, key});
		} else if (input === 'q' || (input === 'c' && key.ctrl)) {
			exit(130);
		}
	});
	const takeEarlyKeys = useCallback(() => {
		const keys = early.current ?? [];
		early.current = undefined;
		return keys;
	}, []);
	if (!data) {
		return <LoadingFrame message={progress.message} counters={progress.counters} elapsed={Math.max(0, progress.now - progress.started)}/>;
	}

	return <App data={data} theme={theme} explain={loaded.explain} causes={loaded.causes} earlyKeys={takeEarlyKeys} onWritten={onWritten}/>;
}

/**
The interactive explorer over modules × kernels, or over two kernels' exports when no module
is given. The terminal is always given back as it was: on q, Ctrl-c, signals and crashes.
Returns the exit status of `kmodx check` (or of the piped diff).
*/
export async function runExplorer(load: ExplorerLoad, options: ExplorerOptions): Promise<number> {
	const stdout = options.stdout ?? process.stdout;
	const loadAfterFirstFrame: ExplorerLoad = async onProgress => {
		// Let the progress line reach the screen before the engine starts working.
		await new Promise(resolve => {
			setImmediate(resolve);
		});
		return load(onProgress);
	};

	// Every way out of the process gives the terminal back: exit and signals (the guard), crashes.
	// Cleared too: the pre-frame (pre-frame.ts) may be on it.
	stdout.write(`${enterAlternateScreen}\u001B[2J`);
	const guard = guardTerminal(stdout);
	// A bug: the terminal back first, then the same one line (the stack with KMODX_DEBUG=1) and status as the CLI's.
	const onCrash = (error: unknown) => {
		guard.restore();
		process.stderr.write(internalErrorText(error));
		process.exit(exitStatus.internalError);
	};

	// First in line: the CLI's own crash handler (source/cli/exit.ts) would exit before the terminal is back.
	process.prependListener('uncaughtException', onCrash);
	process.prependListener('unhandledRejection', onCrash);

	let data: ExplorerData | undefined;
	const written: string[] = [];
	let summary: string | undefined;
	try {
		const instance = render(<Root load={loadAfterFirstFrame} theme={options.theme} onData={loaded => {
			data = loaded;
		}} onWritten={file => written.push(file)}/>, {
			stdout,
			stdin: options.stdin ?? process.stdin,
			// Ctrl-c is a key of the explorer (raw mode): it quits through the same path as q.
			exitOnCtrlC: false,
			patchConsole: true,
			maxFps: 60,
		});
		const result = await instance.waitUntilExit();
		instance.cleanup();
		// Quit from the explorer (not while loading): the verdicts stay on the normal screen.
		if (data && typeof result === 'number') {
			summary = quitSummary(data, written);
		}

		if (typeof result === 'number') {
			return result;
		}

		return data ? 0 : 130;
	} finally {
		guard.restore();
		guard.release();
		process.off('uncaughtException', onCrash);
		process.off('unhandledRejection', onCrash);

		if (summary) {
			stdout.write(summary);
		}
	}
}
