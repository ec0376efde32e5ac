import test from 'ava';
import {diffKernels} from '../../source/kernel/diff-kernels.js';
import {MapTable} from '../../source/kernel/map-table.js';
import type {Kernel} from '../../source/kernel/kernel.js';
import {groupChanges} from '../../source/engine/group-changes.js';
import {TypeInformation} from '../../source/type-info/type-information.js';
import {symversKernel} from '../helpers/kernels.js';
import {fixture} from '../helpers/paths.js';

/*
Kernels without modversions have no CRC changes to group: the diff compares the types of every
export both have. Debian 6.1.0-47 and -56 (their BTF fixtures hold what module_layout,
misc_register and kmalloc_trace reach) stand in, with their CRCs taken away as a 7.x
Module.symvers has none.
*/
async function withoutCrcs(release: '6.1.0-47-amd64' | '6.1.0-56-amd64', btf: string): Promise<Kernel> {
	const kernel = await symversKernel(release);
	const names = new Set(['module_layout', 'misc_register', 'kmalloc_trace', 'noop_llseek']);
	const exports = new MapTable([...kernel.exports.all()].filter(entry => names.has(entry.name)).map(entry => ({...entry, crc: undefined})));
	return {...kernel, modversions: false, exports, typeSources: [{kind: 'btf', path: fixture('btf', btf)}]};
}

test('without modversions, every common export is compared by its types, and the grouping says no CRC confirms it', async t => {
	const kernels = [await withoutCrcs('6.1.0-47-amd64', 'debian-6.1.0-47-amd64.btf.gz'), await withoutCrcs('6.1.0-56-amd64', 'debian-6.1.0-56-amd64.btf.gz')];
	const rows = diffKernels(kernels);
	t.false(rows.some(row => row.change.includes('crc')), 'no CRC, no CRC change');
	const grouping = await groupChanges(rows, kernels, new TypeInformation(new Map(), {cacheDir: undefined}));
	if ('unavailable' in grouping) {
		t.fail(grouping.unavailable);
		return;
	}

	t.true(grouping.withoutCrcs);
	t.is(grouping.method, 'btf');
	// The six changes genksyms saw behind module_layout (corpus README) are found from the types alone.
	for (const type of ['struct task_struct', 'struct mm_struct', 'struct user_struct', 'struct key', 'struct keyring_index_key', 'struct key_tag']) {
		t.true(grouping.groups.find(group => group.type === type)?.exports.includes('module_layout'), type);
	}
});
