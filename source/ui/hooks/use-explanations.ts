import {useEffect, useRef, useState} from 'react';
import {useTicker} from './use-ticker.js';
import type {ExplainFunction, ExplorerData} from '../state/data.js';
import {explainKey, explainPairs, type ExplanationState} from '../state/detail-lines.js';
import type {TableRow} from '../state/rows.js';

// A progress message that changes faster than this is not worth a frame.
const progressInterval = 100;

/**
Explanations of the open symbol's CRC changes, asked for when the symbol is opened (never
before: one may take seconds of kbuild) and kept, so that opening it again is instant. While any
is under way, `now` ticks so the detail can show how long it has taken.
*/
export function useExplanations(explain: ExplainFunction | undefined, data: ExplorerData, row: TableRow | undefined, open: boolean): {explanations: ReadonlyMap<string, ExplanationState>; now: number} {
	const [explanations, setExplanations] = useState<ReadonlyMap<string, ExplanationState>>(new Map());
	const asked = useRef(new Set<string>());
	useEffect(() => {
		if (!open || !row || !explain) {
			return;
		}

		const update = (key: string, value: ExplanationState) => {
			setExplanations(previous => new Map(previous).set(key, value));
		};

		for (const [from, to] of explainPairs(data, row)) {
			const key = explainKey(row.name, from, to);
			if (asked.current.has(key)) {
				continue;
			}

			asked.current.add(key);
			const since = performance.now();
			let shown = 0;
			update(key, {status: 'loading', message: 'comparing types', since});
			const onProgress = (message: string) => {
				if (performance.now() - shown >= progressInterval) {
					shown = performance.now();
					update(key, {status: 'loading', message, since});
				}
			};

			explain(row.name, from, to, onProgress).then(
				result => {
					update(key, {status: 'done', result});
				},
				(error: unknown) => {
					// Asked again on the next open: the input may have been fixed meanwhile.
					asked.current.delete(key);
					update(key, {status: 'error', message: error instanceof Error ? error.message : String(error)});
				},
			);
		}
	}, [open, row, explain, data]);

	// The clock restarts on every new loading state: an elapsed time is never taken from a stale `now`.
	const loading = [...explanations.values()].some(state => state.status === 'loading');
	const now = useTicker(loading);
	return {explanations, now};
}
