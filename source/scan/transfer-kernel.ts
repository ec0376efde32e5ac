import type {Kernel} from '../kernel/kernel.js';
import {packExports, PackedExports} from '../kernel/packed-exports.js';

/** A kernel as it crosses to a worker thread: everything but the export table is plain data. */
export type TransferredKernel = Omit<Kernel, 'exports'> & {exports: SharedArrayBuffer};

/**
The export table travels packed (source/kernel/packed-exports.ts) in shared memory: workers use
it as is, so each kernel is packed once per run however many threads read it.
*/
export function transferKernel(kernel: Kernel): TransferredKernel {
	const {exports: table, ...rest} = kernel;
	// A table that came from the cache is packed already.
	const packed = table instanceof PackedExports ? table.bytes : packExports(table.all());
	const shared = new SharedArrayBuffer(packed.byteLength);
	new Uint8Array(shared).set(packed);
	return {...rest, exports: shared};
}

export function receiveKernel(kernel: TransferredKernel): Kernel {
	const {exports, ...rest} = kernel;
	const table = PackedExports.open(new Uint8Array(exports), kernel.label);
	if (!table) {
		throw new Error(`${kernel.label}: the shared export table does not open`);
	}

	return {...rest, exports: table};
}
