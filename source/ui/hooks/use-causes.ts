import {useEffect, useState, type Dispatch} from 'react';
import type {Grouping} from '../../typediff/group-causes.js';
import {typeChangeText} from '../../views/format-diff.js';
import type {CausesTask, ExplorerData} from '../state/data.js';
import type {ExplorerEvent} from '../state/explorer-state.js';

// A progress message that changes faster than this is not worth a frame.
const progressInterval = 100;

/**
The kernel diff grouped by cause, computed after the first frame (it reads both kernels' whole
type information: seconds): until it is ready the causes screen shows its progress and every
other key works. Once ready it is part of the diff, so an export from then on carries it.
*/
export function useCauses(task: CausesTask | undefined, data: ExplorerData, dispatch: Dispatch<ExplorerEvent>): Grouping | undefined {
	const [grouping, setGrouping] = useState<Grouping | undefined>(data.mode === 'diff' ? data.kernelDiff.grouping : undefined);
	useEffect(() => {
		if (!task || data.mode !== 'diff') {
			return;
		}

		let cancelled = false;
		let shown = 0;
		const onProgress = (message: string) => {
			if (!cancelled && performance.now() - shown >= progressInterval) {
				shown = performance.now();
				dispatch({type: 'causesProgress', message});
			}
		};

		// After the first frame is on screen: a macrotask, not a microtask.
		const timer = setTimeout(() => {
			task(onProgress).then(
				result => {
					if (cancelled) {
						return;
					}

					if (!result || 'unavailable' in result) {
						dispatch({type: 'causesUnavailable', reason: result?.unavailable ?? 'no CRC changed: nothing to group by cause'});
						return;
					}

					data.kernelDiff.grouping = result;
					setGrouping(result);
					dispatch({type: 'causesReady', causes: result.groups.map(group => new Set(group.exports)), keys: result.groups.map(group => `${group.type}: ${typeChangeText(group.change)}`)});
				},
				(error: unknown) => {
					if (!cancelled) {
						dispatch({type: 'causesUnavailable', reason: `not grouped by cause: ${error instanceof Error ? error.message : String(error)}`});
					}
				},
			);
		}, 0);
		return () => {
			cancelled = true;
			clearTimeout(timer);
		};
	// Once per explorer: the task is the loader's.
	// eslint-disable-next-line react-hooks/exhaustive-deps
	}, []);
	return grouping;
}
