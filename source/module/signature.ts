import type {ModuleSignature} from './module-info.js';

const magic = new TextEncoder().encode('~Module signature appended~\n');
const hashNames = ['md4', 'md5', 'sha1', 'rmd160', 'sha256', 'sha384', 'sha512', 'sha224', 'sm3'];
const oidNames: Record<string, string> = {
	'1.3.14.3.2.26': 'sha1',
	'2.16.840.1.101.3.4.2.1': 'sha256',
	'2.16.840.1.101.3.4.2.2': 'sha384',
	'2.16.840.1.101.3.4.2.3': 'sha512',
	'2.16.840.1.101.3.4.2.4': 'sha224',
	'1.2.840.113549.1.1.1': 'rsa',
	'1.2.840.10045.2.1': 'ecdsa',
	'2.5.4.3': 'CN',
};

/** Where the ELF data ends when the file carries an appended signature (the trailer is not ELF). */
export function signedLength(data: Uint8Array): number | undefined {
	if (data.length < magic.length + 12) {
		return undefined;
	}

	const tail = data.subarray(data.length - magic.length);
	if (!tail.every((byte, index) => byte === magic[index])) {
		return undefined;
	}

	const info = data.length - magic.length - 12;
	const view = new DataView(data.buffer, data.byteOffset + info, 12);
	const length = info - view.getUint32(8, false) - view.getUint8(3) - view.getUint8(4);
	return length > 0 ? length : undefined;
}

/**
The appended `struct module_signature` trailer. For PKCS#7 signatures (all current
kernels) signer, key id and hash live inside the DER blob, as `modinfo` shows them.
*/
export function readSignature(data: Uint8Array): ModuleSignature | undefined {
	const end = signedLength(data);
	if (end === undefined) {
		return undefined;
	}

	const info = data.length - magic.length - 12;
	const view = new DataView(data.buffer, data.byteOffset + info, 12);
	const algo = view.getUint8(0);
	const hash = view.getUint8(1);
	const idType = view.getUint8(2);
	const signerLength = view.getUint8(3);
	const keyIdLength = view.getUint8(4);
	const size = view.getUint32(8, false);
	const signature: ModuleSignature = {signer: undefined, keyId: undefined, algorithm: undefined, hash: undefined, size};
	if (idType === 2 /* PKEY_ID_PKCS7 */) {
		try {
			Object.assign(signature, readPkcs7(data.subarray(info - size, info)));
		} catch {
			// A malformed blob still is a signature; its details stay unknown, the kernel would reject it.
		}
	} else {
		const signerStart = info - size - keyIdLength - signerLength;
		signature.signer = new TextDecoder().decode(data.subarray(signerStart, signerStart + signerLength));
		signature.keyId = hex(data.subarray(signerStart + signerLength, signerStart + signerLength + keyIdLength));
		signature.algorithm = algo === 0 ? 'rsa' : `algorithm ${algo}`;
		signature.hash = hashNames[hash];
	}

	return signature;
}

type Der = {tag: number; start: number; end: number; headerEnd: number};

function readDer(bytes: Uint8Array, offset: number, limit: number): Der {
	const tag = bytes[offset]!;
	let length = bytes[offset + 1]!;
	let headerEnd = offset + 2;
	if (length & 0x80) {
		const count = length & 0x7f;
		if (count === 0 || count > 4) {
			throw new Error('unsupported DER length');
		}

		length = 0;
		for (let index = 0; index < count; index++) {
			length = (length * 256) + bytes[headerEnd + index]!;
		}

		headerEnd += count;
	}

	const end = headerEnd + length;
	if (end > limit || headerEnd > limit) {
		throw new Error('DER element past its container');
	}

	return {tag, start: offset, end, headerEnd};
}

function children(bytes: Uint8Array, parent: Der): Der[] {
	const list: Der[] = [];
	for (let offset = parent.headerEnd; offset < parent.end;) {
		const child = readDer(bytes, offset, parent.end);
		list.push(child);
		offset = child.end;
	}

	return list;
}

function oid(bytes: Uint8Array, element: Der): string {
	const body = bytes.subarray(element.headerEnd, element.end);
	const parts: number[] = [];
	let value = 0;
	for (let index = 0; index < body.length; index++) {
		const byte = body[index]!;
		value = (value * 128) + (byte & 0x7f);
		if ((byte & 0x80) === 0) {
			if (parts.length === 0) {
				parts.push(Math.min(2, Math.floor(value / 40)), value - (Math.min(2, Math.floor(value / 40)) * 40));
			} else {
				parts.push(value);
			}

			value = 0;
		} else if (index === body.length - 1) {
			throw new Error('truncated OID');
		}
	}

	return parts.join('.');
}

const hexBytes = Array.from({length: 256}, (_, byte) => byte.toString(16).toUpperCase().padStart(2, '0'));
const utf8 = new TextDecoder();

function hex(bytes: Uint8Array): string {
	let text = '';
	for (let index = 0; index < bytes.length; index++) {
		text += (index === 0 ? '' : ':') + hexBytes[bytes[index]!]!;
	}

	return text;
}

/**
Signer details by the bytes they are read from. Every module of a kernel build has the same
signer, key and algorithms and differs only in the signature value, which the key leaves out:
a scan of 4,000 modules decodes one issuer name instead of 4,000.
*/
const signerCache = new Map<string, Partial<ModuleSignature>>();
const signerCacheSize = 16;

/** ContentInfo → SignedData → first SignerInfo: issuer CN (what kmod calls the signer), serial, algorithms. */
function readPkcs7(bytes: Uint8Array): Partial<ModuleSignature> {
	const contentInfo = readDer(bytes, 0, bytes.length);
	const [, explicit] = children(bytes, contentInfo);
	const signedData = children(bytes, explicit!)[0]!;
	const signerInfos = children(bytes, signedData).at(-1)!;
	const signerInfo = children(bytes, signerInfos)[0]!;
	const parts = children(bytes, signerInfo);
	const last = parts.at(-1);
	// Everything but a final OCTET STRING (the signature value) can hold a detail.
	const keyEnd = last && last.tag === 0x04 ? last.start : signerInfo.end;
	const key = Buffer.from(bytes.buffer, bytes.byteOffset + signerInfo.start, keyEnd - signerInfo.start).toString('latin1');
	const known = signerCache.get(key);
	if (known) {
		return {...known};
	}

	const result = signerDetails(bytes, parts);
	if (signerCache.size >= signerCacheSize) {
		signerCache.delete(signerCache.keys().next().value!);
	}

	signerCache.set(key, result);
	return {...result};
}

function signerDetails(bytes: Uint8Array, parts: Der[]): Partial<ModuleSignature> {
	const [, sid, digestAlgorithm, ...rest] = parts;
	const result: Partial<ModuleSignature> = {};
	if (sid && sid.tag === 0x30) {
		const [issuer, serial] = children(bytes, sid);
		result.keyId = hex(bytes.subarray(serial!.headerEnd, serial!.end));
		for (const set of children(bytes, issuer!)) {
			for (const attribute of children(bytes, set)) {
				const [type, value] = children(bytes, attribute);
				if (type && value && oid(bytes, type) === '2.5.4.3') {
					result.signer = utf8.decode(bytes.subarray(value.headerEnd, value.end));
				}
			}
		}
	} else if (sid) {
		result.keyId = hex(bytes.subarray(sid.headerEnd, sid.end));
	}

	if (digestAlgorithm) {
		const algorithmOid = children(bytes, digestAlgorithm)[0];
		result.hash = algorithmOid ? (oidNames[oid(bytes, algorithmOid)] ?? oid(bytes, algorithmOid)) : undefined;
	}

	const signatureAlgorithm = rest.find(element => element.tag === 0x30);
	const signatureOid = signatureAlgorithm ? children(bytes, signatureAlgorithm)[0] : undefined;
	if (signatureOid) {
		result.algorithm = oidNames[oid(bytes, signatureOid)] ?? oid(bytes, signatureOid);
	}

	return result;
}
