import {OutputFile, writeOutput} from '../common/write-output.js';
import {jsonChunks} from '../views/json-chunks.js';

/*
Where every command's document goes: stdout, or the file of `-o FILE` (all or nothing, only over
a regular file, and only with --force: common/write-output.ts). Progress goes to stderr, drawn by
cli/progress-line.ts. Nothing under the core writes to the terminal.
*/

/** What a command's flags say about where its document goes. */
export type OutputTarget = {output: string | undefined; force: boolean};

/** A whole document, to stdout or into -o's file. */
export function emit(content: string, target: OutputTarget): void {
	if (target.output === undefined) {
		process.stdout.write(content);
		return;
	}

	writeOutput(target.output, content, {force: target.force});
}

/**
A JSON document (`JSON.stringify(value, null, 2)`), made and written in pieces: a report may be
longer than the longest string V8 can hold. Into -o's file all or nothing, as `emit`; on stdout,
as fast as stdout takes it.
*/
export async function emitJson(value: unknown, target: OutputTarget): Promise<void> {
	await writeReport(target, async sink => {
		for (const chunk of jsonChunks(value)) {
			sink.write(chunk);
			// eslint-disable-next-line no-await-in-loop -- waits only while stdout is a slow pipe.
			await sink.pace();
		}
	});
}

/**
A report written by `make` as it is made, committed when `make` returns and dropped when it
throws (bad input found on the way: nothing written, no temporary file left).
*/
export async function writeReport<T>(target: OutputTarget, make: (sink: ReportSink) => Promise<T>): Promise<T> {
	const sink = new ReportSink(target);
	try {
		const result = await make(sink);
		sink.commit();
		return result;
	} catch (error) {
		sink.abort();
		throw error;
	}
}

/** Characters of report kept in memory before stdout streams: a few hundred modules of JSON. */
const holdBack = 8 * 1024 * 1024;

/**
A report written as it is made, to -o's file (an OutputFile: all or nothing) or to stdout (held
back up to `holdBack` characters, so that bad input found early leaves nothing written; then
streamed). Either way the report never has to fit in memory: thousands of modules as JSON are
100+ MB.
*/
export class ReportSink {
	private readonly chunks: string[] = [];
	private held = 0;
	private streaming = false;
	private readonly file: OutputFile | undefined;

	constructor(target: OutputTarget) {
		this.file = target.output === undefined ? undefined : new OutputFile(target.output, target.force);
	}

	write(text: string): void {
		if (this.file) {
			this.file.write(text);
		} else if (this.streaming) {
			process.stdout.write(text);
		} else {
			this.chunks.push(text);
			this.held += text.length;
			if (this.held > holdBack) {
				this.streaming = true;
				process.stdout.write(this.chunks.join(''));
				this.chunks.length = 0;
			}
		}
	}

	/** A promise while stdout (a pipe slower than the report) has more than a mebibyte queued: wait before making more. */
	pace(): Promise<void> | undefined {
		if (!this.streaming || process.stdout.writableLength < 1024 * 1024) {
			return undefined;
		}

		return new Promise(resolve => {
			process.stdout.once('drain', resolve);
		});
	}

	/** The report is complete: into its file, or the rest of it to stdout. */
	commit(): void {
		if (this.file) {
			this.file.commit();
		} else if (!this.streaming) {
			process.stdout.write(this.chunks.join(''));
		}
	}

	/** Nothing more is written: -o's temporary file goes; on stdout, what was held back is dropped. */
	abort(): void {
		this.file?.abort();
		this.chunks.length = 0;
	}
}
