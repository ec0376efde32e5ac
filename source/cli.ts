#!/usr/bin/env node
import {isInputError} from './common/input-error.js';
import {runCheck} from './cli/check-command.js';
import {fastParse, parseWithMeow} from './cli/options.js';

// `kmodx … | head` closes the pipe early: that is the reader's choice, not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
	if (error.code === 'EPIPE') {
		process.exit(process.exitCode ?? 0);
	}

	throw error;
});

const {input, flags} = fastParse(process.argv.slice(2)) ?? await parseWithMeow();
const [first, ...rest] = input;

async function main(): Promise<number> {
	switch (first) {
		case 'check': {
			return runCheck(rest, flags);
		}

		case 'plan': {
			const {runPlan} = await import('./cli/plan-command.js');
			return runPlan(rest, flags);
		}

		case 'weak-modules': {
			const {runWeakModules} = await import('./cli/weak-modules-command.js');
			return runWeakModules(rest, flags);
		}

		case 'why': {
			const {runWhy} = await import('./cli/why-command.js');
			return runWhy(rest, flags);
		}

		default: {
			const paths = input;
			const interactive = process.stdout.isTTY && process.stdin.isTTY && !flags.output && !flags.json && flags.format === 'text';
			if (interactive) {
				// The explorer pulls in Ink and React (~0.7 s): only load them when they are used.
				const {runExplorer} = await import('./cli/explore-command.js');
				return runExplorer(paths, flags);
			}

			if (paths.length === 0) {
				const {runDiff} = await import('./cli/diff-command.js');
				return runDiff(flags);
			}

			return runCheck(paths, flags);
		}
	}
}

try {
	process.exitCode = await main();
} catch (error) {
	if (isInputError(error)) {
		process.stderr.write(`kmodx: ${error.message.replaceAll('\n', ' ')}\n`);
		process.exitCode = 2;
	} else {
		throw error;
	}
}
