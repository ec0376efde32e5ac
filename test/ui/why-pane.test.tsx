import {buildCheckReport} from '../../source/engine/check-report.js';
import test from 'ava';
import {render} from 'ink-testing-library';
import {explainer} from '../../source/cli/explore-command.js';
import {loadKernels, loadModules} from '../../source/cli/load-inputs.js';
import {App} from '../../source/ui/app.js';
import {checkExplorerData} from '../../source/ui/state/data.js';
import {footerLines} from '../../source/ui/state/layout.js';
import {fixture} from '../helpers/paths.js';
import {runCli} from '../helpers/run-cli.js';
import {flagsFor, kernel47, kernel56, keys, myDrv, plain, press, waitUntil} from './ui-fixtures.js';

/*
The explorer's why pane and `kmodx why` draw one explanation view: for the same inputs (my_drv,
Debian's 6.1.0-47 and -56 Module.symvers, their genksyms .symtypes or their BTF) the pane shows
the lines the command prints, in its order, only wrapped to the pane's width. The command runs
as the built binary a user runs, the explorer in process as `kmodx` starts it.
*/

const squeeze = (text: string) => text.replaceAll(/\s+/g, ' ').trim();

/**
The pane's lines joined back into the command's lines: a line the pane wrapped continues on the
next (after a space, or straight on where a word longer than the pane was cut). Whatever does not
join up is left as it is, so the comparison shows it.
*/
function joinWrapped(expected: readonly string[], shown: readonly string[]): string[] {
	const joined: string[] = [];
	let next = 0;
	for (const line of expected) {
		let text = shown[next++] ?? '';
		while (text.length < line.length && next < shown.length) {
			const spaced = `${text} ${shown[next]!}`;
			const straight = text + shown[next]!;
			if (line.startsWith(spaced)) {
				text = spaced;
			} else if (line.startsWith(straight)) {
				text = straight;
			} else {
				break;
			}

			next++;
		}

		joined.push(text);
	}

	return [...joined, ...shown.slice(next)];
}

const typeInputs = {
	symtypes: [`47=${fixture('symtypes', 'debian-6.1.0-47-amd64.version.symtypes.gz')}`, `56=${fixture('symtypes', 'debian-6.1.0-56-amd64.version.symtypes.gz')}`],
	btf: [`47=${fixture('btf', 'debian-6.1.0-47-amd64.btf.gz')}`, `56=${fixture('btf', 'debian-6.1.0-56-amd64.btf.gz')}`],
};

// The symtypes fixtures are kernel/module/version.c's: they define module_layout only.
const cases = [['symtypes', 'module_layout'], ['btf', 'module_layout'], ['btf', 'misc_register']] as const;
for (const [method, symbol] of cases) {
	const types = typeInputs[method];
	test.serial(`the why pane shows the lines of \`kmodx why ${symbol}\` (${method})`, async t => {
		const cli = runCli(['why', symbol, '-k', kernel47, '-k', kernel56, ...types.flatMap(type => ['--types', type])]);
		t.is(cli.code, 0, cli.stderr);
		const expected = cli.stdout.split('\n').map(squeeze).filter(Boolean);

		const flags = {...flagsFor([kernel47, kernel56]), types};
		const [kernels, modules] = await Promise.all([loadKernels(flags), loadModules([myDrv])]);
		// 80 columns: the detail takes the whole width; tall enough that it never scrolls.
		const size = {columns: 80, rows: expected.length * 3 + 40};
		const instance = render(<App data={checkExplorerData(buildCheckReport(modules, kernels, {missingVersion: 'fatal'}), kernels)} theme={{color: false}} size={size} explain={explainer(kernels, flags)}/>);
		t.teardown(() => {
			instance.unmount();
		});
		await press(instance.stdin, '/', symbol, keys.enter, keys.enter);
		const title = squeeze(expected[0]!);
		const frame = await waitUntil(() => {
			const text = plain(instance.lastFrame());
			return text.split('\n').some(line => squeeze(line) === title) && text;
		}, () => `the why of ${symbol}; the last frame:\n${plain(instance.lastFrame())}`);
		t.notRegex(frame, /PgUp PgDn scroll\)/, 'the whole detail is on the screen');
		const lines = frame.split('\n');
		// From the explanation's first line to the footer: the why is the detail's last part in a module's view.
		const start = lines.findIndex(line => squeeze(line) === title);
		const shown = lines.slice(start, lines.length - footerLines).map(squeeze).filter(Boolean);
		t.deepEqual(joinWrapped(expected, shown), expected);
	});
}
