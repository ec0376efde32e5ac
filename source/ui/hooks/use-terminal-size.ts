import {useEffect, useState} from 'react';
import {useStdout} from 'ink';

export type Size = {columns: number; rows: number};

/**
The terminal size, updated on 'resize'. `fixed` pins it (tests: ink-testing-library's stdout
has no rows). The screen is cleared first so a shrinking terminal keeps no stale cells.
*/
export function useTerminalSize(fixed?: Size): Size {
	const {stdout} = useStdout();
	const read = (): Size => fixed ?? {columns: stdout.columns || 80, rows: stdout.rows || 24};
	const [size, setSize] = useState<Size>(read);
	useEffect(() => {
		if (fixed) {
			setSize(fixed);
			return;
		}

		const onResize = () => {
			if (stdout.isTTY) {
				stdout.write('\u001B[2J\u001B[H');
			}

			setSize(read());
		};

		stdout.on('resize', onResize);
		return () => {
			stdout.off('resize', onResize);
		};
	// eslint-disable-next-line react-hooks/exhaustive-deps
	}, [stdout, fixed?.columns, fixed?.rows]);
	return size;
}
