/**
The explorer's very first frame, written straight to the terminal before Ink and React are even
loaded (that takes 0.5–1.5 s): the alternate screen with what kmodx is doing. Ink's own loading
frame replaces it. Until the explorer installs its handlers, `release()` and the handlers here
give the terminal back on a signal or an exit.
*/
export const enterAlternateScreen = '\u001B[?1049h\u001B[H';
// Leave the alternate screen, show the cursor, reset attributes.
export const leaveAlternateScreen = '\u001B[?1049l\u001B[?25h\u001B[0m';

/** `release`: the explorer's handlers take over; `restore`: the terminal back now (the explorer never started). */
export type PreFrame = {release: () => void; restore: () => void};

/**
Gives the terminal back (once) on exit and on the terminating signals, then lets the signal do
what it does; `release` removes the handlers. The pre-frame and the explorer both hold one.
*/
export function guardTerminal(stdout: NodeJS.WriteStream): PreFrame {
	let done = false;
	const restore = () => {
		if (!done) {
			done = true;
			stdout.write(leaveAlternateScreen);
		}
	};

	const onSignal = (signal: NodeJS.Signals) => {
		restore();
		// Let the signal's default action (termination) happen this time.
		process.off(signal, onSignal);
		process.kill(process.pid, signal);
	};

	const signals: NodeJS.Signals[] = ['SIGTERM', 'SIGHUP', 'SIGINT', 'SIGQUIT'];
	for (const signal of signals) {
		process.on(signal, onSignal);
	}

	process.on('exit', restore);
	return {
		restore,
		release() {
			for (const signal of signals) {
				process.off(signal, onSignal);
			}

			process.off('exit', restore);
		},
	};
}

export function writePreFrame(stdout: NodeJS.WriteStream, message: string): PreFrame {
	const guard = guardTerminal(stdout);
	// The cursor goes home again: Ink draws its first frame from there, over this one.
	stdout.write(`${enterAlternateScreen}kmodx: loading\n⏳ ${message}…   (q quits)\u001B[H`);
	return guard;
}
