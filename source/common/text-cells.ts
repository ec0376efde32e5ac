import stringWidth from 'string-width';

/*
Text measured in terminal cells, as terminals and Ink draw it (string-width: wide CJK and emoji
take two cells, combining marks none), for columns that must stay aligned and bounded.
*/

export const cellWidth = (text: string): number => stringWidth(text);

/** The longest prefix (`fromEnd`: suffix) of `text`, in whole code points, that fits in `width` cells. */
function take(text: string, width: number, fromEnd: boolean): string {
	const characters = [...text];
	if (fromEnd) {
		characters.reverse();
	}

	let used = 0;
	let count = 0;
	for (const character of characters) {
		used += stringWidth(character);
		if (used > width) {
			break;
		}

		count++;
	}

	const kept = characters.slice(0, count);
	return (fromEnd ? kept.reverse() : kept).join('');
}

/**
`text` in at most `width` cells: as it is when it fits, else its start and end around `…`, the
end a little longer (where a name says what it is): `<kernel::net::…>::genphy_soft_reset` keeps
both the crate and the function, where cutting the end would lose the function.
*/
export function shortenMiddle(text: string, width: number): string {
	if (cellWidth(text) <= width) {
		return text;
	}

	if (width <= 1) {
		return width === 1 ? '…' : '';
	}

	const room = width - 1;
	const tail = take(text, Math.ceil(room * 0.6), true);
	const head = take(text, room - cellWidth(tail), false);
	return `${head}…${tail}`;
}

/** `text` padded with spaces to `width` cells (never cut: shorten it first). */
export function padCells(text: string, width: number): string {
	return text + ' '.repeat(Math.max(0, width - cellWidth(text)));
}
