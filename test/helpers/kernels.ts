import path from 'node:path';
import {loadKernel} from '../../source/kernel/load-kernel.js';
import type {Kernel} from '../../source/kernel/kernel.js';
import {readModuleFile} from '../../source/module/read-module.js';
import type {ModuleInfo} from '../../source/module/module-info.js';
import {parseModule} from '../../source/module/read-module.js';
import {readGzipText, temporaryDirectory, writeTemporary, type Owner} from './derive.js';
import {fixture} from './paths.js';

export type Release = '6.1.0-47-amd64' | '6.1.0-50-amd64' | '6.1.0-56-amd64' | '6.1.0-47-s390x' | '6.1.0-47-686-pae';

export async function symversKernel(release: Release, label?: string): Promise<Kernel> {
	return loadKernel({label, source: fixture('kernels', release, 'Module.symvers.gz')});
}

/** A kernel folder as the corpus has them (Module.symvers + config), optionally edited; removed when `owner` (the test) ends. */
export async function kernelDirectory(owner: Owner, release: '6.1.0-47-amd64' | '6.1.0-56-amd64', edit: {symvers?: (text: string) => string; config?: (text: string) => string} = {}, label?: string): Promise<Kernel> {
	const directory = temporaryDirectory(owner);
	const symvers = readGzipText(fixture('kernels', release, 'Module.symvers.gz'));
	const config = readGzipText(fixture('kernels', release, 'config.gz'));
	writeTemporary(directory, 'Module.symvers', edit.symvers ? edit.symvers(symvers) : symvers);
	writeTemporary(directory, 'config', edit.config ? edit.config(config) : config);
	return loadKernel({label: label ?? release, source: directory});
}

export async function fixtureModule(...parts: string[]): Promise<ModuleInfo> {
	return readModuleFile(fixture('modules', ...parts));
}

export function derivedModule(data: Uint8Array, name: string): ModuleInfo {
	return parseModule(data, path.join('/derived', name));
}
