import {readdirSync, readFileSync} from 'node:fs';
import path from 'node:path';
import test from 'ava';
import ts from 'typescript';
import {repoRoot} from '../helpers/paths.js';

/*
Dependencies point one way (issues 14, 21): the CLI and the explorer sit on top, the readers and
checks below never reach up. This reads every import of source/ (static, `export … from`,
`import()`, type-only too: a type import is a dependency to a reader of the code) and fails on
a cycle between files or between source/ folders, on ui/ importing cli/, on the core (every
folder but cli/, ui/ and bin/) importing cli/, ui/ or a terminal-UI package, or touching the
terminal itself (process.stdout, stdin, isTTY, the terminal's width: the core reports progress
through callbacks, and cli/ (output.ts, progress-line.ts) or ui/ draws it), and on a folder
importing one of a higher layer (`layers` below). Two rules look at values only (a type says what
a document holds, a value computes): views never compute verdicts, ui only draws.
*/

const sourceRoot = path.join(repoRoot, 'source');
/** Folders that may use the terminal UI; the files directly in source/ are entry points, too. */
const front = new Set(['cli', 'ui', 'bin']);
const uiPackages = /^(ink|react|meow)(\/|$)|^ink-|\/ink-/;

/**
The layers, lowest first; a folder imports only its own layer and those below. Readers of one
format each; then what decides (verdicts, type comparison, kABI policy, where type information
comes from); the engine, whose use cases each make one versioned document (kmodx.check/1,
.diff/1, .plan/1, .weak-modules/1, .why/1); the views that draw documents as text, Markdown and
JSON; scan/, which runs the engine and the views per module in worker threads to stream big
checks; and the two front ends.
*/
const layers: string[][] = [
	['common'],
	['compression', 'elf'],
	['module', 'kbuild'],
	['kernel', 'btf', 'symtypes', 'kernel-source'],
	['verdict', 'typediff', 'kabi', 'type-info'],
	['engine'],
	['views'],
	['scan'],
	['cli', 'ui'],
	['bin'],
];
const layerOf = new Map(layers.flatMap((folders, rank) => folders.map(folder => [folder, rank] as const)));

type Graph = Map<string, string[]>;

function sourceFiles(directory: string): string[] {
	return readdirSync(directory, {withFileTypes: true}).flatMap(entry => {
		const file = path.join(directory, entry.name);
		if (entry.isDirectory()) return sourceFiles(file);
		return /\.tsx?$/.test(entry.name) ? [path.relative(sourceRoot, file)] : [];
	});
}

/** Each file's imports: other source files (relative to source/) and packages, by name. */
function readImports(): {files: Graph; packages: Graph; unresolved: string[]} {
	const names = sourceFiles(sourceRoot);
	const known = new Set(names);
	const files: Graph = new Map();
	const packages: Graph = new Map();
	const unresolved: string[] = [];
	for (const name of names) {
		const {importedFiles} = ts.preProcessFile(readFileSync(path.join(sourceRoot, name), 'utf8'), true, true);
		const targets: string[] = [];
		const used: string[] = [];
		for (const {fileName: specifier} of importedFiles) {
			if (!specifier.startsWith('.')) {
				used.push(specifier);
				continue;
			}

			const stem = path.join(path.dirname(name), specifier).replace(/\.js$/, '');
			const target = [`${stem}.ts`, `${stem}.tsx`].find(candidate => known.has(candidate));
			if (target) targets.push(target);
			else unresolved.push(`${name}: ${specifier}`);
		}

		files.set(name, targets);
		packages.set(name, used);
	}

	return {files, packages, unresolved};
}

/** `ui/state/data.ts` → `ui`; a file directly in source/ is a node of its own. */
const folderOf = (file: string) => (file.includes('/') ? file.slice(0, file.indexOf('/')) : file);

function folderGraph(files: Graph): Graph {
	const folders: Graph = new Map();
	for (const [file, targets] of files) {
		const from = folderOf(file);
		const list = folders.get(from) ?? [];
		for (const target of targets) {
			const to = folderOf(target);
			if (to !== from && !list.includes(to)) list.push(to);
		}

		folders.set(from, list);
	}

	return folders;
}

/** The strongly connected components with more than one node, or a node importing itself (Tarjan). */
function cycles(graph: Graph): string[][] {
	let counter = 0;
	const index = new Map<string, number>();
	const low = new Map<string, number>();
	const stack: string[] = [];
	const onStack = new Set<string>();
	const found: string[][] = [];
	const visit = (node: string) => {
		index.set(node, counter);
		low.set(node, counter);
		counter++;
		stack.push(node);
		onStack.add(node);
		for (const next of graph.get(node) ?? []) {
			if (!index.has(next)) {
				visit(next);
				low.set(node, Math.min(low.get(node)!, low.get(next)!));
			} else if (onStack.has(next)) {
				low.set(node, Math.min(low.get(node)!, index.get(next)!));
			}
		}

		if (low.get(node) === index.get(node)) {
			const component: string[] = [];
			let member;
			do {
				member = stack.pop()!;
				onStack.delete(member);
				component.push(member);
			} while (member !== node);
			if (component.length > 1 || graph.get(node)?.includes(node)) found.push(component.sort());
		}
	};

	for (const node of graph.keys()) if (!index.has(node)) visit(node);
	return found;
}

/** The edges inside each cycle, `a → b`, for a message that says what to cut. */
function describe(graph: Graph, found: string[][]): string {
	return found.map(component => component.flatMap(node => (graph.get(node) ?? []).filter(next => component.includes(next)).map(next => `${node} → ${next}`)).join(', ')).join('; ');
}

const {files, packages, unresolved} = readImports();

/** Imports that bring values (not `import type`, not only `type` names), as `from → to` file pairs. */
function valueImports(): Array<[string, string]> {
	const pairs: Array<[string, string]> = [];
	for (const name of files.keys()) {
		const source = ts.createSourceFile(name, readFileSync(path.join(sourceRoot, name), 'utf8'), ts.ScriptTarget.Latest, false);
		for (const statement of source.statements) {
			if (!(ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement)) || !statement.moduleSpecifier || !ts.isStringLiteral(statement.moduleSpecifier)) continue;
			const specifier = statement.moduleSpecifier.text;
			if (!specifier.startsWith('.')) continue;
			const clause = ts.isImportDeclaration(statement) ? statement.importClause : undefined;
			const named = clause?.namedBindings && ts.isNamedImports(clause.namedBindings) ? clause.namedBindings.elements : undefined;
			const typeOnly = ts.isExportDeclaration(statement) ? statement.isTypeOnly : clause !== undefined && (clause.isTypeOnly || (!clause.name && named !== undefined && named.every(element => element.isTypeOnly)));
			if (typeOnly) continue;
			const stem = path.join(path.dirname(name), specifier).replace(/\.js$/, '');
			const target = [`${stem}.ts`, `${stem}.tsx`].find(candidate => files.has(candidate));
			if (target) pairs.push([name, target]);
		}
	}

	return pairs;
}

test('every relative import names a file in source/', t => {
	t.true(files.size > 100, `read only ${files.size} files under ${sourceRoot}`);
	t.deepEqual(unresolved, []);
});

test('no cycle between files', t => {
	const found = cycles(files);
	t.deepEqual(found, [], `file cycles: ${describe(files, found)}`);
});

test('no cycle between source/ folders', t => {
	const folders = folderGraph(files);
	const found = cycles(folders);
	const via = (from: string, to: string) => [...files].flatMap(([file, targets]) => (folderOf(file) === from ? targets.filter(target => folderOf(target) === to).map(target => `${file} → ${target}`) : []));
	const detail = found.flatMap(component => component.flatMap(from => (folders.get(from) ?? []).filter(to => component.includes(to)).flatMap(to => via(from, to)))).join('\n');
	t.deepEqual(found, [], `folder cycles: ${describe(folders, found)}\n${detail}`);
});

test('ui/ does not import cli/', t => {
	const wrong = [...files].flatMap(([file, targets]) => (folderOf(file) === 'ui' ? targets.filter(target => folderOf(target) === 'cli').map(target => `${file} → ${target}`) : []));
	t.deepEqual(wrong, []);
});

test('the core imports neither cli/, ui/ nor ink, react or meow', t => {
	const core = (file: string) => file.includes('/') && !front.has(folderOf(file));
	const wrong = [...files].filter(([file]) => core(file)).flatMap(([file, targets]) => [
		...targets.filter(target => front.has(folderOf(target))).map(target => `${file} → ${target}`),
		...packages.get(file)!.filter(name => uiPackages.test(name)).map(name => `${file} → ${name}`),
		// JSX compiles to imports of react/jsx-runtime that no import statement shows.
		...(file.endsWith('.tsx') ? [`${file} is JSX`] : []),
	]);
	t.deepEqual(wrong, []);
});

test('every source/ folder has a layer, and none imports a folder of a higher layer', t => {
	const folders = folderGraph(files);
	t.deepEqual([...folders.keys()].filter(folder => folder.includes('.') ? false : !layerOf.has(folder)), [], 'folders without a layer');
	const upward = [...files].flatMap(([file, targets]) => targets.filter(target => file.includes('/') && layerOf.get(folderOf(target))! > layerOf.get(folderOf(file))!).map(target => `${file} → ${target}`));
	t.deepEqual(upward, []);
});

/** What the deciding layer lets views and the explorer use: the verdict's words and the explanation model. */
const words = new Set(['verdict/verdict-text.ts', 'typediff/explanation.ts']);

test('views compute no verdict: no values from verdict/, kabi/, typediff/ (but their words) or scan/', t => {
	const deciding = (target: string) => ['kabi', 'typediff', 'scan', 'verdict'].includes(folderOf(target)) && !words.has(target);
	const wrong = valueImports().filter(([file, target]) => folderOf(file) === 'views' && deciding(target)).map(pair => pair.join(' → '));
	t.deepEqual(wrong, []);
});

test('the explorer only draws: no values from the readers or the deciding layer, only documents and views', t => {
	const below = (target: string) => (layerOf.get(folderOf(target)) ?? 0) >= 2 && (layerOf.get(folderOf(target)) ?? 0) <= 4 && !words.has(target);
	const wrong = valueImports().filter(([file, target]) => folderOf(file) === 'ui' && below(target)).map(pair => pair.join(' → '));
	t.deepEqual(wrong, []);
});

/**
What only a front end may touch: the terminal's streams (or a function taking one, as the core's
progress bar did), whether they are terminals, how wide they are.
*/
const terminalAccess = /\bprocess\.(stdout|stdin|stderr)\b|\.isTTY\b|\.columns\b|\bsetRawMode\b|\bNodeJS\.(WriteStream|ReadStream)\b|['"]node:(tty|readline)['"]/g;
/**
The core's one exception, and why: the cache's warning (a cache directory others can write is
ignored) is said once per process from wherever the cache is used; a callback through every
reader of the cache is not worth it for a line that never changes a result.
*/
const terminalExceptions = new Map([['common/cache.ts', ['process.stderr']]]);

/** A source file without its comments: a comment may say what the CLI does with stdout. */
function codeOf(file: string): string {
	const text = ts.createSourceFile(file, readFileSync(path.join(sourceRoot, file), 'utf8'), ts.ScriptTarget.Latest, false, file.endsWith('.tsx') ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
	return ts.createPrinter({removeComments: true}).printFile(text);
}

function terminalUses(file: string): string[] {
	const allowed = terminalExceptions.get(file) ?? [];
	return [...codeOf(file).matchAll(terminalAccess)].map(match => match[0]).filter(use => !allowed.includes(use));
}

test('the core never touches the terminal: no process.stdout/stdin/stderr, isTTY, columns, tty or readline', t => {
	const core = [...files.keys()].filter(file => file.includes('/') && !front.has(folderOf(file)));
	t.true(core.length > 80, `only ${core.length} core files`);
	const wrong = core.flatMap(file => terminalUses(file).map(use => `${file}: ${use}`));
	t.deepEqual(wrong, []);
	// The check sees what it looks for: the CLI's own output module writes to stdout and asks isTTY.
	t.true(terminalUses('cli/output.ts').includes('process.stdout'));
	t.true(terminalUses('cli/progress-line.ts').includes('.isTTY'));
});

test('the CLI\'s commands write their documents through cli/output.ts, not each its own way', t => {
	const commands = [...files.keys()].filter(file => /^cli\/.+-command\.ts$/.test(file));
	t.true(commands.length >= 6, commands.join(', '));
	// A use case two commands need (the kernel diff: diff and explore) lives in engine/, not in one of them.
	const crossing = commands.flatMap(file => files.get(file)!.filter(target => commands.includes(target)).map(target => `${file} → ${target}`));
	t.deepEqual(crossing, []);
	const writers = commands.filter(file => /\bprocess\.stdout\.write\(/.test(codeOf(file)));
	t.deepEqual(writers, []);
	t.true(/\bprocess\.stdout\.write\(/.test(codeOf('cli/output.ts')));
});

test('the cycle finder finds cycles: a folder ring, a file importing itself, none in a chain', t => {
	const ring: Graph = new Map([['a', ['b']], ['b', ['c']], ['c', ['a']], ['d', ['a']]]);
	t.deepEqual(cycles(ring), [['a', 'b', 'c']]);
	t.deepEqual(cycles(new Map([['a', ['a']]])), [['a']]);
	t.deepEqual(cycles(new Map([['a', ['b']], ['b', ['c']], ['c', []]])), []);
	t.deepEqual(folderGraph(new Map([['x/one.ts', ['y/two.ts']], ['y/two.ts', ['x/three.ts']], ['x/three.ts', []]])), new Map([['x', ['y']], ['y', ['x']]]));
});
