import {useEffect, useState} from 'react';

/**
A clock for elapsed times on screen: performance.now() (monotonic: an elapsed time computed from
it never goes backwards, whatever the wall clock does), re-read every `interval` ms while `active`.
*/
export function useTicker(active: boolean, interval = 250): number {
	const [now, setNow] = useState(() => performance.now());
	useEffect(() => {
		if (!active) {
			return;
		}

		setNow(performance.now());
		const timer = setInterval(() => {
			setNow(performance.now());
		}, interval);
		return () => {
			clearInterval(timer);
		};
	}, [active, interval]);
	return now;
}

/** Seconds since `since` (both performance.now() values), one decimal; never negative. */
export const elapsedText = (now: number, since: number) => `${(Math.max(0, now - since) / 1000).toFixed(1)} s`;
