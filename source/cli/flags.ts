export type CliFlags = {
	kernel: string[] | undefined;
	format: 'text' | 'json' | 'markdown';
	json: boolean;
	output: string | undefined;
	force: boolean;
	missingVersion: 'fatal' | 'warn';
	types: string[] | undefined;
	explain: boolean;
	color: boolean;
};

export function useColor(flags: CliFlags, stream: NodeJS.WriteStream = process.stdout): boolean {
	return flags.color && !('NO_COLOR' in process.env && process.env['NO_COLOR'] !== '') && Boolean(stream.isTTY) && !flags.output;
}
