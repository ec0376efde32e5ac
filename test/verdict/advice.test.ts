import {copyFileSync, mkdirSync} from 'node:fs';
import path from 'node:path';
import test from 'ava';
import {loadKernel} from '../../source/kernel/load-kernel.js';
import {readModuleFile} from '../../source/module/read-module.js';
import {buildCheckReport} from '../../source/engine/check-report.js';
import {adviceFor, headersInstall} from '../../source/verdict/advice.js';
import {checkModule, defaultPolicy} from '../../source/verdict/check-module.js';
import {readGzipText, temporaryDirectory, writeTemporary} from '../helpers/derive.js';
import {fixtureModule} from '../helpers/kernels.js';
import {fixture} from '../helpers/paths.js';

test('the headers package of a release, named as each distribution names it', t => {
	t.is(headersInstall('6.1.0-56-amd64')?.command, 'apt install linux-headers-6.1.0-56-amd64');
	t.is(headersInstall('7.2.13+deb14-amd64')?.command, 'apt install linux-headers-7.2.13+deb14-amd64');
	t.is(headersInstall('6.8.0-45-generic')?.command, 'apt install linux-headers-6.8.0-45-generic');
	t.is(headersInstall('5.14.0-427.13.1.el9_4.x86_64')?.command, 'dnf install kernel-devel-5.14.0-427.13.1.el9_4.x86_64');
	t.is(headersInstall('6.11.4-301.fc41.x86_64')?.package, 'kernel-devel-6.11.4-301.fc41.x86_64');
	t.is(headersInstall('6.4.0-150600.23.25-default')?.command, 'zypper install kernel-default-devel = 6.4.0-150600.23.25');
	t.is(headersInstall('weird'), undefined);
});

test('a 7.2.12 module on 7.2.13: rebuild against that release, its Debian headers package by name', async t => {
	const kernel = await loadKernel({label: undefined, source: fixture('kernels', '7.2.13+deb14-amd64')});
	const report = buildCheckReport([await fixtureModule('7.2.12+deb13-amd64', 'usb-storage.ko.xz')], [kernel], defaultPolicy);
	const advice = report.modules[0]!.results[0]!.advice!;
	t.deepEqual(advice.map(entry => entry.command), ['apt install linux-headers-7.2.13+deb14-amd64', 'make -C /lib/modules/7.2.13+deb14-amd64/build M=$PWD modules']);
});

test('a DKMS module installed for one kernel but built against another\'s headers: said plainly, with the dkms command', async t => {
	const root = temporaryDirectory(t);
	const modules = path.join(root, 'lib/modules/6.1.0-56-amd64/updates/dkms');
	mkdirSync(modules, {recursive: true});
	copyFileSync(fixture('modules', 'my_drv-6.1.0-47-amd64.ko'), path.join(modules, 'my_drv.ko'));
	writeTemporary(path.join(root, 'var/lib/dkms/my_drv/1.0/source'), 'dkms.conf', 'PACKAGE_NAME="my_drv"\nPACKAGE_VERSION="1.0"\n');
	const headers = temporaryDirectory(t);
	writeTemporary(headers, 'Module.symvers', readGzipText(fixture('kernels', '6.1.0-56-amd64', 'Module.symvers.gz')));
	writeTemporary(headers, 'config', readGzipText(fixture('kernels', '6.1.0-56-amd64', 'config.gz')));
	writeTemporary(headers, 'include/config/kernel.release', '6.1.0-56-amd64\n');
	const kernel = await loadKernel({label: undefined, source: headers});
	const module = await readModuleFile(path.join(modules, 'my_drv.ko'));
	const verdict = checkModule(module, kernel);
	t.is(verdict.stops_at, 'module_layout');
	const advice = adviceFor(module, kernel, verdict, {verdicts: [{kernel, verdict}], dkmsRoot: path.join(root, 'var/lib/dkms')});
	t.regex(advice[0]!.text, /^installed for 6\.1\.0-56-amd64 but built against 6\.1\.0-47-amd64's headers/);
	t.true(advice.some(entry => entry.command === 'dkms install -m my_drv -v 1.0 -k 6.1.0-56-amd64'));
	t.true(advice.some(entry => entry.command === 'apt install linux-headers-6.1.0-56-amd64'));
});

test('a module: namespace refusal says who may use the symbols, not to rebuild', async t => {
	const kernel = await loadKernel({label: undefined, source: fixture('kernels', '7.2.12+deb13-amd64')});
	const module = await fixtureModule('7.2.12+deb13-amd64', 'cxl_mem.ko.xz');
	const renamed = {...module, name: 'cxl_meX'};
	const verdict = checkModule(renamed, kernel);
	const advice = adviceFor(renamed, kernel, verdict, {verdicts: [{kernel, verdict}]});
	t.deepEqual(advice.map(entry => entry.kind), ['source']);
	t.regex(advice[0]!.text, /only to the modules cxl_mem: cxl_meX cannot use them/);
});
