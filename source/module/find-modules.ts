import {readdirSync, statfsSync, statSync} from 'node:fs';
import path from 'node:path';
import {describeFsError} from '../common/fs-errors.js';
import {InputError} from '../common/input-error.js';

const moduleFile = /\.ko(\.(gz|xz|zst))?$/;

export type FindOptions = {
	/** A directory inside a scan that was not searched (unreadable, or a pseudo-filesystem), and why: the scan goes on. */
	onSkipped?: (directory: string, reason: string) => void;
};

/**
PATH arguments: module files as given, directories searched recursively for `*.ko[.gz|.xz|.zst]`.
A directory given that cannot be read is bad input; one deep inside a scan is skipped (`onSkipped`).
*/
export function findModules(paths: string[], options: FindOptions = {}): string[] {
	const files: string[] = [];
	for (const given of paths) {
		let stats;
		try {
			stats = statSync(given);
		} catch (error) {
			throw new InputError(given, describeFsError(error));
		}

		if (stats.isDirectory()) {
			const found = walk(given, options);
			if (found.length === 0) {
				throw new InputError(given, 'no kernel modules (*.ko, *.ko.gz, *.ko.xz, *.ko.zst) in this directory');
			}

			for (const file of found) {
				files.push(file);
			}
		} else {
			files.push(given);
		}
	}

	return files;
}

/** A file's identity: the same directory or module reached by two paths (symlinks, bind mounts) is one. */
const identity = (stats: {dev: number; ino: number}) => `${stats.dev}:${stats.ino}`;

function listDirectory(directory: string) {
	// Byte order, like `sort` in the C locale: stable across machines, and far cheaper than localeCompare.
	return readdirSync(directory, {withFileTypes: true}).sort((a, b) => (a.name < b.name ? -1 : (a.name > b.name ? 1 : 0)));
}

/** Kernel pseudo-filesystems (statfs f_type, linux/magic.h): no modules, and endless or unreadable trees. */
const pseudoTypes = new Map<number, string>([
	[0x9F_A0, 'proc'], [0x62_65_65_72, 'sysfs'], [0x1C_D1, 'devpts'], [0x00_27_E0_EB, 'cgroup'], [0x63_67_72_70, 'cgroup2'],
	[0x64_62_67_20, 'debugfs'], [0x74_72_61_63, 'tracefs'], [0x73_63_66_73, 'securityfs'], [0x61_65_67_6C, 'pstore'],
	[0xCA_FE_4A_11, 'bpf'], [0x62_65_65_70, 'configfs'], [0x65_73_55_43, 'fusectl'], [0x42_49_4E_4D, 'binfmt_misc'],
	[0xF9_7C_FF_8C, 'selinuxfs'], [0xDE_5E_81_E4, 'efivarfs'], [0x6E_73_66_73, 'nsfs'], [0x19_80_02_02, 'mqueue'],
]);

/**
Devices of /proc, /sys and /dev where they are mounts of their own (devtmpfs has tmpfs's f_type,
so /dev is known by its device): a scan given a link to / must not walk them.
*/
function pseudoDevices(): Map<number, string> {
	const devices = new Map<number, string>();
	try {
		const root = statSync('/').dev;
		for (const place of ['/proc', '/sys', '/dev']) {
			const {dev} = statSync(place);
			if (dev !== root) {
				devices.set(dev, place);
			}
		}
	} catch {}

	return devices;
}

/** Why a directory on another device than its parent is not searched, or undefined. */
function pseudoFilesystem(directory: string, dev: number, devices: Map<number, string>): string | undefined {
	const place = devices.get(dev);
	if (place) {
		return `${place} is a pseudo-filesystem: not searched`;
	}

	try {
		const type = pseudoTypes.get(Number(statfsSync(directory).type));
		return type ? `a ${type} pseudo-filesystem: not searched` : undefined;
	} catch {
		return undefined;
	}
}

/**
The modules under `root`, depth first in byte order, each once, named by the path under `root`
that reaches it first. Symbolic links are followed, to modules and to directories (RHEL's
weak-updates/ is all links into another kernel's tree); a directory already visited (a link
back to an ancestor, two links to one place) is not entered again, so loops end. Links that lead
nowhere are skipped; so are directories that cannot be read and pseudo-filesystems (/proc, /sys,
/dev…, found where the device changes), each with a word to `onSkipped`. No recursion: the depth
of the tree does not reach the stack.
*/
function walk(root: string, options: FindOptions): string[] {
	const found: string[] = [];
	const rootStats = statSync(root);
	const devices = pseudoDevices();
	const directories = new Set<string>([identity(rootStats)]);
	const modules = new Set<string>();
	const skip = (directory: string, reason: string) => options.onSkipped?.(directory, reason);
	const pseudo = pseudoFilesystem(root, rootStats.dev, devices);
	if (pseudo) {
		skip(root, pseudo);
		return found;
	}

	let entries;
	try {
		entries = listDirectory(root);
	} catch (error) {
		// The directory given is bad input like any other: one line, not a stack trace.
		throw new InputError(root, describeFsError(error));
	}

	const stack = [{directory: root, dev: rootStats.dev, entries, next: 0}];
	while (stack.length > 0) {
		const top = stack.at(-1)!;
		const entry = top.entries[top.next++];
		if (!entry) {
			stack.pop();
			continue;
		}

		const full = path.join(top.directory, entry.name);
		const wanted = entry.isDirectory() || entry.isSymbolicLink() || (entry.isFile() && moduleFile.test(entry.name));
		if (!wanted) {
			continue;
		}

		let stats;
		try {
			stats = statSync(full);
		} catch {
			continue; // A dangling link, or one we may not follow.
		}

		const id = identity(stats);
		if (stats.isDirectory()) {
			if (directories.has(id)) {
				continue;
			}

			directories.add(id);
			const reason = stats.dev === top.dev ? undefined : pseudoFilesystem(full, stats.dev, devices);
			if (reason) {
				skip(full, reason);
				continue;
			}

			try {
				stack.push({directory: full, dev: stats.dev, entries: listDirectory(full), next: 0});
			} catch (error) {
				skip(full, `${describeFsError(error)}: not searched`);
			}
		} else if (stats.isFile() && moduleFile.test(entry.name) && !modules.has(id)) {
			modules.add(id);
			found.push(full);
		}
	}

	return found;
}
