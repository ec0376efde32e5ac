import path from 'node:path';

/** The placeholder for the temporary tree's root in generated Kbuild lines. */
export const treeRoot = '@KMODX_TREE@';

export type KbuildFlags = {
	/** Lines for the generated Kbuild: `ccflags-y += -I… -D…`. */
	lines: string[];
	/** Tree-relative directories those -I flags name, whose headers must be copied too. */
	directories: string[];
};

const assignment = /^\s*(ccflags-(?:y|\$\((CONFIG_\w+)\))|subdir-ccflags-(?:y|\$\((CONFIG_\w+)\))|CFLAGS_([\w.-]+)\.o|AFLAGS_([\w.-]+)\.o|asflags-y|EXTRA_CFLAGS)\s*(?::=|\+=|=)\s*(.*)$/;

/**
The -I and -D flags the Makefiles give a file: its directory's `ccflags-y`, `CFLAGS_<stem>.o`
and the `subdir-ccflags-y` of it and its parents, conditional ones only when the kernel's
configuration enables them. In an external-module build `$(srctree)` is the headers directory,
so paths into the tree that the headers package lacks are pointed at the temporary tree instead.
*/
export function kbuildFlags(file: string, makefiles: ReadonlyMap<string, Uint8Array>, config: ReadonlyMap<string, string>): KbuildFlags {
	const stem = path.posix.basename(file).replace(/\.[cS]$/, '');
	const own = path.posix.dirname(file);
	const flags: string[] = [];
	const directories = new Set<string>();
	for (let directory = own; directory !== '.' && directory !== ''; directory = path.posix.dirname(directory)) {
		// Kbuild reads Kbuild in preference to Makefile.
		const text = makefiles.get(`${directory}/Kbuild`) ?? makefiles.get(`${directory}/Makefile`);
		if (!text) {
			continue;
		}

		for (const line of Buffer.from(text).toString('latin1').replaceAll(/\\\n/g, ' ').split('\n')) {
			const match = assignment.exec(line);
			if (!match) {
				continue;
			}

			const [, name, ccConfig, subdirConfig, cStem, aStem, value] = match;
			const condition = ccConfig ?? subdirConfig;
			const applies = (directory === own || name!.startsWith('subdir-'))
				&& (cStem === undefined || cStem === stem) && (aStem === undefined || aStem === stem)
				&& (condition === undefined || ['y', 'm'].includes(config.get(condition) ?? 'n'));
			if (applies) {
				flags.push(...usefulFlags(value!, directory, directories));
			}
		}
	}

	return {lines: flags.length > 0 ? [`ccflags-y += ${[...new Set(flags)].join(' ')}`, `asflags-y += ${[...new Set(flags)].join(' ')}`] : [], directories: [...directories]};
}

/** `-I` and `-D` flags of a value, with tree paths rewritten; everything else is left out. */
function usefulFlags(value: string, directory: string, directories: Set<string>): string[] {
	const result: string[] = [];
	const tokens = value.replaceAll(/-I\s+/g, '-I').replaceAll(/-include\s+/g, '-include=').split(/\s+/).filter(Boolean);
	for (const token of tokens) {
		if (token.startsWith('-D') && !token.includes('$(') && !/[`'"\\]/.test(token)) {
			result.push(token);
		} else if (token.startsWith('-I')) {
			const target = includeDirectory(token.slice(2), directory);
			if (target?.kind === 'tree') {
				directories.add(target.path);
				result.push(`-I${treeRoot}/${target.path}`);
			} else if (target?.kind === 'kept') {
				result.push(`-I${target.path}`);
			}
		}
	}

	return result;
}

function includeDirectory(raw: string, directory: string): {kind: 'tree' | 'kept'; path: string} | undefined {
	let relative: string | undefined;
	if (raw.startsWith('$(srctree)/$(src)')) {
		relative = path.posix.join(directory, raw.slice('$(srctree)/$(src)'.length));
	} else if (raw.startsWith('$(src)') || raw.startsWith('$(obj)')) {
		relative = path.posix.join(directory, raw.slice(6));
	} else if (raw.startsWith('$(srctree)/')) {
		relative = raw.slice('$(srctree)/'.length);
	} else if (/^[\w.][\w./-]*$/.test(raw) && !raw.startsWith('.')) {
		relative = raw; // Old style: relative to the tree's top.
	}

	if (relative === undefined || relative.includes('$(') || relative.startsWith('..')) {
		return undefined;
	}

	relative = path.posix.normalize(relative).replace(/\/$/, '');
	// What the headers package carries stays pointed at it.
	if (/^(include|arch\/[^/]+\/include)(\/|$)/.test(relative)) {
		return {kind: 'kept', path: `$(srctree)/${relative}`};
	}

	return {kind: 'tree', path: relative};
}
