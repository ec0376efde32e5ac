import {loadKernel} from '../../source/kernel/load-kernel.js';
import {scanModules} from '../../source/scan/scan-modules.js';
import {fixture} from './paths.js';

// A scan run in a child whose heap the test caps (node --max-old-space-size): every module in
// argv waits for the others' exports, because kernel 7.2.12 lacks some of its imports. Prints
// how many JSON elements and verdicts came out, and the heap's peak as V8 saw it.
const files = process.argv.slice(2);
const kernels = await Promise.all([
	loadKernel({label: '47', source: fixture('kernels', '6.1.0-47-amd64', 'Module.symvers.gz')}),
	loadKernel({label: '72', source: fixture('kernels', '7.2.12+deb13-amd64', 'Module.symvers.gz')}),
]);
let elements = 0;
const verdicts = new Map<string, number>();
await scanModules(files, kernels, {missingVersion: 'fatal'}, {
	workers: 0,
	digest: {mode: 'json'},
	onResult({digest}) {
		elements += digest.json === undefined ? 0 : 1;
		for (const {kernel, verdict} of digest.verdicts) {
			verdicts.set(`${kernel} ${verdict}`, (verdicts.get(`${kernel} ${verdict}`) ?? 0) + 1);
		}
	},
});
process.stdout.write(JSON.stringify({elements, verdicts: Object.fromEntries(verdicts)}) + '\n');
