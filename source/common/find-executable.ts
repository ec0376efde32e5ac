import {accessSync, constants} from 'node:fs';
import path from 'node:path';

/** The full path of `name` on `pathEnv` (default: PATH), if it is there and executable. */
export function findExecutable(name: string, pathEnv = process.env['PATH'] ?? ''): string | undefined {
	for (const folder of pathEnv.split(path.delimiter)) {
		if (!folder) {
			continue;
		}

		const candidate = path.join(folder, name);
		try {
			accessSync(candidate, constants.X_OK);
			return candidate;
		} catch {}
	}

	return undefined;
}
