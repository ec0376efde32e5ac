import path from 'node:path';

/** The placeholder for the temporary tree's root in generated Kbuild lines. */
export const treeRoot = '@KMODX_TREE@';

export type KbuildFlags = {
	/** Lines for the generated Kbuild: `ccflags-y += -I… -D…`. */
	lines: string[];
	/** Tree-relative directories those -I flags name, whose headers must be copied too. */
	directories: string[];
};

const assignment = /^\s*(ccflags-(?:y|\$\((CONFIG_\w+)\))|subdir-ccflags-(?:y|\$\((CONFIG_\w+)\))|CFLAGS_([\w./-]+)\.o|AFLAGS_([\w./-]+)\.o|asflags-y|EXTRA_CFLAGS)\s*(?::=|\+=|=)\s*(.*)$/;

const escape = (text: string) => text.replaceAll(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
The preprocessor flags the Makefiles give a file, as kbuild would: `ccflags-y` and
`CFLAGS_<object>.o` of the Makefile that builds it (its own directory's, or a parent's that
names it as `sub/dir/stem.o`), and `subdir-ccflags-y` of every parent. `ccflags-$(CONFIG_X)`
counts only when X is y (kbuild reads ccflags-y, never ccflags-m). In an external-module build
`$(srctree)` is the headers directory, so paths into the tree that the headers package lacks are
pointed at the temporary tree instead. Only -I, -D, -U, -include and -iquote are kept.
*/
export function kbuildFlags(file: string, makefiles: ReadonlyMap<string, Uint8Array>, config: ReadonlyMap<string, string>): KbuildFlags {
	const object = file.replace(/\.[cS]$/, '');
	const flags: string[] = [];
	const directories = new Set<string>();
	for (let directory = path.posix.dirname(file); directory !== '.' && directory !== ''; directory = path.posix.dirname(directory)) {
		// Kbuild reads Kbuild in preference to Makefile.
		const data = makefiles.get(`${directory}/Kbuild`) ?? makefiles.get(`${directory}/Makefile`);
		if (!data) {
			continue;
		}

		const text = Buffer.from(data).toString('latin1').replaceAll(/\\\n/g, ' ');
		const relative = path.posix.relative(directory, object);
		const builds = directory === path.posix.dirname(file) || new RegExp(`(^|[\\s=])${escape(relative)}\\.o(\\s|$)`, 'm').test(text);
		for (const line of text.split('\n')) {
			const match = assignment.exec(line);
			if (!match) {
				continue;
			}

			const [, name, ccConfig, subdirConfig, cObject, aObject, value] = match;
			const condition = ccConfig ?? subdirConfig;
			const applies = (builds || name!.startsWith('subdir-'))
				&& (cObject === undefined || cObject === relative) && (aObject === undefined || aObject === relative)
				&& (condition === undefined || config.get(condition) === 'y');
			if (applies) {
				flags.push(...usefulFlags(value!, directory, directories));
			}
		}
	}

	const unique = [...new Set(flags)].join(' ');
	return {lines: unique ? [`ccflags-y += ${unique}`, `asflags-y += ${unique}`] : [], directories: [...directories]};
}

/** The preprocessor flags of a value, with tree paths rewritten; everything else is left out. */
function usefulFlags(value: string, directory: string, directories: Set<string>): string[] {
	const result: string[] = [];
	const tokens = value.replaceAll(/(-I|-iquote|-include)\s+/g, '$1').split(/\s+/).filter(Boolean);
	for (const token of tokens) {
		if (/^-[DU]\w/.test(token) && !token.includes('$(') && !/[`'"\\;|&<>]/.test(token)) {
			result.push(token);
			continue;
		}

		const option = /^(-I|-iquote|-include)(.+)$/.exec(token);
		const target = option ? includePath(option[2]!, directory) : undefined;
		if (target?.kind === 'tree') {
			directories.add(option![1] === '-include' ? path.posix.dirname(target.path) : target.path);

			result.push(`${option![1]!}${treeRoot}/${target.path}`);
		} else if (target?.kind === 'kept') {
			result.push(`${option![1]!}${target.path}`);
		}
	}

	return result;
}

function includePath(raw: string, directory: string): {kind: 'tree' | 'kept'; path: string} | undefined {
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
