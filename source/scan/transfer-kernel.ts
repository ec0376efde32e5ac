import type {Kernel, KernelExport} from '../kernel/kernel.js';
import {MapTable} from '../kernel/map-table.js';
import {SymversTable} from '../kernel/symvers.js';
import {CachedExports} from './cached-exports.js';

/** A kernel as it crosses to a worker thread: everything but the export table is plain data. */
export type TransferredKernel = Omit<Kernel, 'exports'> & {
	exports: {kind: 'symvers'; file: string; data: SharedArrayBuffer} | {kind: 'entries'; entries: KernelExport[]};
};

/**
A Module.symvers table travels as its validated text and index in shared memory: workers use
it as is, so each kernel is parsed once per run however many threads read it.
*/
export function transferKernel(kernel: Kernel): TransferredKernel {
	const {exports: table, ...rest} = kernel;
	const exports = table instanceof CachedExports ? table.inner : table;
	if (exports instanceof SymversTable) {
		const serialized = exports.serialize();
		const shared = new SharedArrayBuffer(serialized.byteLength);
		new Uint8Array(shared).set(serialized);
		return {...rest, exports: {kind: 'symvers', file: exports.file, data: shared}};
	}

	return {...rest, exports: {kind: 'entries', entries: [...exports.all()]}};
}

export function receiveKernel(kernel: TransferredKernel): Kernel {
	const {exports, ...rest} = kernel;
	const table = exports.kind === 'symvers'
		? SymversTable.deserialize(new Uint8Array(exports.data), exports.file)
		: new MapTable(exports.entries);
	if (!table) {
		throw new Error(`${kernel.label}: the shared export table does not deserialize`);
	}

	return {...rest, exports: new CachedExports(table)};
}
