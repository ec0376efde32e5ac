#!/usr/bin/env node
import meow from 'meow';
import {isInputError} from './common/input-error.js';
import {runCheck} from './cli/check-command.js';
import type {CliFlags} from './cli/flags.js';

const cli = meow(`
	Usage
	  $ kmodx [check] MODULE|DIR… [-k KERNEL]…    will the modules load on these kernels?
	  $ kmodx why SYMBOL -k FROM -k TO [--types L=PATH]…   why did the symbol's CRC change?
	  $ kmodx -k A -k B                            browse what changed between two kernels

	  On a terminal \`kmodx MODULE…\` opens the explorer; piped, or with \`check\`, it prints a report.

	KERNEL ([LABEL=]SOURCE, repeatable; default: the running kernel)
	  Module.symvers (any layout; .gz .xz .zst), /boot/symvers-<release>.gz,
	  a kernel headers/build directory, vmlinux, vmlinuz/bzImage, or a release
	  name looked up in /lib/modules, /usr/src and /boot.

	Options
	  -k, --kernel KERNEL        a kernel to check against (repeatable)
	  -f, --format text|json|markdown   report format (default text)
	      --json                 same as --format json (schema kmodx.check/1)
	  -o, --output FILE          write the report to FILE (refuses to overwrite without --force)
	      --force                overwrite FILE
	      --missing-version fatal|warn
	                             a symbol without CRC in the module: Debian kernels refuse it
	                             (fatal, the default); upstream warns once and accepts (warn)
	      --types LABEL=PATH     type information for a kernel: BTF, vmlinux, vmlinuz, .symtypes
	      --explain              explain CRC mismatches in check reports (needs types)
	      --no-color             no colours (NO_COLOR is honoured too)

	Exit status
	  0 every module loads on every kernel, 1 some do not, 2 bad usage or input

	Examples
	  $ kmodx my_drv.ko -k 6.1.0-56-amd64
	  $ kmodx check my_drv.ko -k old=/usr/src/linux-headers-6.1.0-47-amd64 -k new=/boot/symvers-6.1.0-56-amd64.gz --json
	  $ kmodx check /lib/modules/6.1.0-47-amd64/updates -k 6.1.0-56-amd64 --format markdown -o report.md
`, {
	importMeta: import.meta,
	allowUnknownFlags: false,
	flags: {
		kernel: {type: 'string', shortFlag: 'k', isMultiple: true},
		format: {type: 'string', shortFlag: 'f', choices: ['text', 'json', 'markdown'], default: 'text'},
		json: {type: 'boolean', default: false},
		output: {type: 'string', shortFlag: 'o'},
		force: {type: 'boolean', default: false},
		missingVersion: {type: 'string', choices: ['fatal', 'warn'], default: 'fatal'},
		types: {type: 'string', isMultiple: true},
		explain: {type: 'boolean', default: false},
		color: {type: 'boolean', default: true},
	},
});

const flags = cli.flags as CliFlags;
const [first, ...rest] = cli.input;

async function main(): Promise<number> {
	switch (first) {
		case 'check': {
			return runCheck(rest, flags);
		}

		case 'why': {
			const {runWhy} = await import('./cli/why-command.js');
			return runWhy(rest, flags);
		}

		default: {
			const paths = cli.input;
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
