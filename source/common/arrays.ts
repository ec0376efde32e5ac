/*
List helpers for lists as long as the input. `target.push(...items)` and `Math.max(...values)`
pass every item as an argument, and V8 overflows its stack near 120,000 of them (a plan of
200,000 symbols exited "too large"); these loop instead. The lint rule no-restricted-syntax
(eslint.config.js) keeps spreads out of calls.
*/

/** Appends `items` to `target` in place, and returns `target`. */
export function appendAll<T>(target: T[], items: Iterable<T>): T[] {
	for (const item of items) {
		target.push(item);
	}

	return target;
}

/** The largest `measure(item)`, or `start` when it is larger (as `Math.max(start, ...items.map(measure))`). */
export function maxOf<T>(items: Iterable<T>, measure: (item: T) => number, start = Number.NEGATIVE_INFINITY): number {
	let max = start;
	for (const item of items) {
		max = Math.max(max, measure(item));
	}

	return max;
}

/**
`items` grouped by `keyOf` (those whose key is undefined left out), each group holding
`valueOf(item)`; groups and their items in input order. One push per item: the
`map.set(key, [...(map.get(key) ?? []), item])` it replaces copied every group on every item.
*/
export function groupBy<T, K, V = T>(items: Iterable<T>, keyOf: (item: T) => K | undefined, valueOf: (item: T) => V = item => item as unknown as V): Map<K, V[]> {
	const groups = new Map<K, V[]>();
	for (const item of items) {
		const key = keyOf(item);
		if (key === undefined) {
			continue;
		}

		const group = groups.get(key);
		if (group) {
			group.push(valueOf(item));
		} else {
			groups.set(key, [valueOf(item)]);
		}
	}

	return groups;
}
