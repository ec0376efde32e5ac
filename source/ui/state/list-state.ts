/*
Every list of the explorer (modules, symbols, kernels, causes) is one of these: where the cursor
is, the first position on screen, and how many positions there are. One function moves any of
them, so they all scroll alike: like a pager, the window moves only when the cursor leaves it.
*/
export type ListState = {cursor: number; top: number; length: number};

export const listState = (length: number): ListState => ({cursor: 0, top: 0, length});

/** The first visible position: moves only as far as needed to keep the cursor on screen. */
export function scrollTop(previousTop: number, cursor: number, height: number, total: number): number {
	let top = Math.min(previousTop, cursor);
	if (cursor >= top + height) {
		top = cursor - height + 1;
	}

	return Math.max(0, Math.min(top, Math.max(0, total - height)));
}

/**
The list with its cursor at `position` (clamped to the list) and its window, `height` positions
tall, following it; `length` when the list itself changed (filtered, re-sorted, grouped).
*/
export function placeCursor(list: ListState, position: number, height: number, length = list.length): ListState {
	const cursor = Math.max(0, Math.min(position, length - 1));
	return {cursor, top: scrollTop(list.top, cursor, Math.max(1, height), length), length};
}
