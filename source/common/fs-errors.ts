/** Node's fs errors as the short phrases a user expects after a file name. */
export function describeFsError(error: unknown): string {
	const code = (error as NodeJS.ErrnoException | undefined)?.code;
	switch (code) {
		case 'ENOENT': {
			return 'no such file or directory';
		}

		case 'EACCES':
		case 'EPERM': {
			return 'permission denied';
		}

		case 'EISDIR': {
			return 'is a directory';
		}

		case 'ENOTDIR': {
			return 'a path component is not a directory';
		}

		default: {
			return (error as Error | undefined)?.message ?? String(error);
		}
	}
}
