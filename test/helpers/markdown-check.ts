import {fromMarkdown} from 'mdast-util-from-markdown';
import {gfmFromMarkdown} from 'mdast-util-gfm';
import {gfm} from 'micromark-extension-gfm';

type Node = {type: string; children?: Node[]; value?: string; position?: {start: {line: number}}};

/** The Markdown as a CommonMark + GFM parser (micromark, mdast) reads it. */
export function parseMarkdown(text: string): Node {
	return fromMarkdown(text, {extensions: [gfm()], mdastExtensions: [gfmFromMarkdown()]}) as Node;
}

function walk(node: Node, visit: (node: Node) => void): void {
	visit(node);
	for (const child of node.children ?? []) {
		walk(child, visit);
	}
}

/**
What a real parser finds wrong in a report: raw HTML (a name from a file read as markup), and
tables whose rows do not have the header's number of cells (an unescaped | splits a cell).
Also returns the tables, their header cells' text and the document's text, for assertions.
*/
export function checkMarkdown(text: string): {problems: string[]; tables: string[][]; text: string} {
	const tree = parseMarkdown(text);
	const problems: string[] = [];
	const tables: string[][] = [];
	const words: string[] = [];
	const textOf = (node: Node): string => node.value ?? (node.children ?? []).map(child => textOf(child)).join('');
	walk(tree, node => {
		if (node.type === 'html') {
			problems.push(`raw HTML on line ${node.position?.start.line ?? '?'}: ${node.value ?? ''}`);
		}

		if (node.type === 'text' || node.type === 'inlineCode') {
			words.push(node.value ?? '');
		}

		if (node.type === 'table') {
			const rows = node.children ?? [];
			const header = rows[0]?.children ?? [];
			tables.push(header.map(cell => textOf(cell)));
			for (const [index, row] of rows.entries()) {
				if ((row.children ?? []).length !== header.length) {
					problems.push(`table on line ${node.position?.start.line ?? '?'}: row ${index} has ${(row.children ?? []).length} cells, the header ${header.length}`);
				}
			}
		}
	});
	return {problems, tables, text: words.join(' ')};
}
