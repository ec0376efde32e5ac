export type CliFlags = {
	kernel: string[] | undefined;
	/** The document's format, decided once (cli/options.ts: `--json` is `--format json`); commands read only this. */
	format: 'text' | 'json' | 'markdown';
	output: string | undefined;
	force: boolean;
	missingVersion: 'fatal' | 'warn';
	types: string[] | undefined;
	explain: boolean;
	color: boolean;
	/** Problem kinds that make the exit status 1 (comma list); all when absent. */
	failOn?: string;
	layout?: 'auto' | 'matrix' | 'details';
	/** weak-modules: built for / to be reused on. */
	from?: string;
	to?: string;
	/** kABI rules: SUSE severities or a Red Hat stablelist. */
	rules?: string;
	/** hook: the root the kernels are installed in (default /), and whether problems set the status. */
	root?: string;
	strict?: boolean;
};

/** Color only on a terminal, without NO_COLOR or -o, and unless --no-color. */
export function wantsColor(flags: CliFlags, stream: NodeJS.WriteStream = process.stdout): boolean {
	return flags.color && !('NO_COLOR' in process.env && process.env['NO_COLOR'] !== '') && Boolean(stream.isTTY) && !flags.output;
}
