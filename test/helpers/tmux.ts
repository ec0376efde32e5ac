import {execFileSync, spawnSync} from 'node:child_process';
import test, {type ExecutionContext} from 'ava';
import {temporaryDirectory} from './derive.js';
import {missing} from './oracles.js';
import {cliPath} from './paths.js';
import {waitUntil} from '../ui/ui-fixtures.js';

/*
The built binary in a real pseudo-terminal: tmux on a socket of the test file's own, keys with
send-keys, the screen with capture-pane. Tests that use it declare needs('tmux').
*/

export type Session = {name: string; directory: string};

/** A word for the shell tmux runs the command with. */
export const quote = (text: string) => `'${text.replaceAll('\'', '\'\\\'\'')}'`;

/** A tmux server for one test file (`prefix` names its socket), killed when the file ends. */
export function tmuxDriver(prefix: string, defaultTimeout: number) {
	const socket = `kmodx-${prefix}-${process.pid}`;
	const tmux = (...args: string[]) => execFileSync('tmux', ['-L', socket, ...args], {encoding: 'utf8'});
	let sessions = 0;
	test.after.always(() => {
		if (!missing('tmux')) {
			spawnSync('tmux', ['-L', socket, 'kill-server']);
		}
	});

	/**
	The CLI in a new session, in a temporary directory of its own (its cwd: exports and the
	relative test cache land there). When the test ends the session is killed and the directory removed.
	*/
	function start(t: ExecutionContext, columns: number, rows: number, args: string[], environment = ''): Session {
		const name = `${prefix[0]!}${++sessions}`;
		const directory = temporaryDirectory(t, prefix);
		// Registered after the directory's removal, so it runs first: nothing writes there any more.
		t.teardown(() => {
			spawnSync('tmux', ['-L', socket, 'kill-session', '-t', name]);
		});
		// CI=true as in our CI, where Ink would otherwise write nothing until it exits.
		const command = `CI=true ${environment} node ${quote(cliPath)} ${args.map(arg => quote(arg)).join(' ')}; echo EXIT=$?; sleep 600`;
		tmux('new-session', '-d', '-s', name, '-x', String(columns), '-y', String(rows), '-c', directory, command);
		return {name, directory};
	}

	const capture = (session: Session) => tmux('capture-pane', '-p', '-t', session.name);
	const send = (session: Session, ...keys: string[]) => tmux('send-keys', '-t', session.name, ...keys);
	const type = (session: Session, text: string) => tmux('send-keys', '-t', session.name, '-l', text);

	/** Captures the screen until it matches `expected`, and returns it; fails showing the last screen. Each capture runs tmux: not too often. */
	async function waitFor(session: Session, expected: RegExp | ((screen: string) => boolean), timeout = defaultTimeout): Promise<string> {
		let screen = '';
		return waitUntil(
			() => {
				screen = capture(session);
				return (typeof expected === 'function' ? expected(screen) : expected.test(screen)) && screen;
			},
			() => `${String(expected)}; screen:\n${screen}`,
			{timeout, interval: 50},
		);
	}

	return {tmux, start, capture, send, type, waitFor};
}
