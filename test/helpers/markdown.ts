import type {Nodes, Root, Table} from 'mdast';
import {fromMarkdown} from 'mdast-util-from-markdown';
import {gfmFromMarkdown} from 'mdast-util-gfm';
import {gfm} from 'micromark-extension-gfm';

/* Markdown reports read as GitHub reads them: micromark's CommonMark + GFM parser (tables, autolinks, footnotes). */

export function parseMarkdown(text: string): Root {
	return fromMarkdown(text, {extensions: [gfm()], mdastExtensions: [gfmFromMarkdown()]});
}

/** Every node of the tree, depth first. */
export function allNodes(node: Nodes): Nodes[] {
	return [node, ...('children' in node ? node.children.flatMap(child => allNodes(child)) : [])];
}

/** Plain text of a node: its text and code spans, as rendered. */
export function nodeText(node: Nodes): string {
	if (node.type === 'text' || node.type === 'inlineCode') {
		return node.value;
	}

	return 'children' in node ? node.children.map(child => nodeText(child)).join('') : '';
}

/**
What breaks a report: raw HTML (an `html` node), a table row with another cell count than its
header (a name that opened or closed a cell), a link or image (a name that became one; GFM's
links of bare `http://`, `www.` and e-mail text show their own target and are not counted).
*/
export function markdownDefects(tree: Root): string[] {
	const defects: string[] = [];
	for (const node of allNodes(tree)) {
		if (node.type === 'html') {
			defects.push(`html node: ${node.value}`);
		} else if (node.type === 'link' && isLiteralAutolink(node.url, nodeText(node))) {
			// GFM links bare URLs in text: what shows is what it points to, nothing hidden.
		} else if (node.type === 'image' || node.type === 'link' || node.type === 'linkReference' || node.type === 'imageReference') {
			defects.push(`${node.type}: ${nodeText(node)}`);
		} else if (node.type === 'table') {
			const header = (node as Table).children[0]!.children.length;
			for (const [index, row] of (node as Table).children.entries()) {
				if (row.children.length !== header) {
					defects.push(`table row ${index} has ${row.children.length} cells, its header ${header}: ${nodeText(row)}`);
				}
			}
		}
	}

	return defects;
}

/** The tables of a tree, each as rows of cell texts (the header first). */
export function tables(tree: Root): string[][][] {
	return allNodes(tree).filter((node): node is Table => node.type === 'table').map(table => table.children.map(row => row.children.map(cell => nodeText(cell))));
}

/** Headings of a depth, as text. */
export function headings(tree: Root, depth: number): string[] {
	return allNodes(tree).flatMap(node => (node.type === 'heading' && node.depth === depth ? [nodeText(node)] : []));
}

function isLiteralAutolink(url: string, text: string): boolean {
	return url === text || url === `http://${text}` || url === `mailto:${text}`;
}

/** For end-to-end checks: what breaks the report, each table's header cells, and the document's text. */
export function checkMarkdown(text: string): {problems: string[]; tables: string[][]; text: string} {
	const tree = parseMarkdown(text);
	const words = allNodes(tree).flatMap(node => (node.type === 'text' || node.type === 'inlineCode' ? [node.value] : []));
	return {problems: markdownDefects(tree), tables: tables(tree).map(rows => rows[0] ?? []), text: words.join(' ')};
}
