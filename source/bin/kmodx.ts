/*
The `kmodx` binary, bundled as CommonJS (scripts/bundle.js → build/bin/kmodx.cjs). Node's
ES-module loader costs ~7 ms before the first line of ours runs, and more per module file, in a
`check` whose own work is ~25 ms. So `check`, the command scripts and CI run, goes straight from here;
everything else (other commands, the explorer, --help) loads the full CLI, an ES module bundle.
*/
import {runCheck} from '../cli/check-command.js';
import {exitOnCrash, exitQuietlyOnClosedPipe, statusForError} from '../cli/exit.js';
import {fastParse} from '../cli/options.js';
import {onTerminal, route} from '../cli/route.js';

const parsed = fastParse(process.argv.slice(2));
const routed = parsed && route(parsed.input, parsed.flags, onTerminal());
// --explain reads type information, whose code only the full CLI carries; the full CLI also
// refuses options of other commands (hook's --root and --strict).
if (parsed && routed?.command === 'check' && !parsed.flags.explain && parsed.flags.root === undefined && !parsed.flags.strict) {
	exitQuietlyOnClosedPipe();
	exitOnCrash();
	runCheck(routed.paths, parsed.flags).then(
		status => {
			process.exitCode = status;
		},
		(error: unknown) => {
			process.exitCode = statusForError(error);
		},
	);
} else {
	void import('../cli.js');
}
