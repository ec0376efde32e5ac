/*
Work that must not outlive kmodx: the make processes it starts (in their own process group, so
that a timeout can kill the compiler too) and their temporary trees. When the process ends, by
returning, by `process.exit` (the explorer's q) or by a signal, what is still registered is
undone synchronously.
*/

type Cleanup = () => void;

const cleanups = new Set<Cleanup>();
const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
let installed = false;

// Last registered first: a process is killed before the tree it works in is removed.
function runAll(): void {
	for (const cleanup of [...cleanups].reverse()) {
		cleanups.delete(cleanup);
		try {
			cleanup();
		} catch {}
	}
}

function onSignal(signal: NodeJS.Signals): void {
	runAll();
	for (const other of signals) {
		process.off(other, onSignal);
	}

	// With no other listener the signal's default action (termination) happens; with one (the
	// explorer restoring the terminal), that listener ends the process.
	if (process.listenerCount(signal) === 0) {
		process.kill(process.pid, signal);
	}
}

function install(): void {
	if (installed) {
		return;
	}

	installed = true;
	process.once('exit', runAll);
	for (const signal of signals) {
		process.on(signal, onSignal);
	}
}

/** Register `cleanup`; call the returned function once the work ended on its own. */
export function onExit(cleanup: Cleanup): () => void {
	install();
	cleanups.add(cleanup);
	return () => {
		cleanups.delete(cleanup);
	};
}
