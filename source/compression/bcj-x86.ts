/*
The x86 BCJ decoder, ported from xz-embedded's xz_dec_bcj.c (public domain, Lasse Collin,
Igor Pavlov). BCJ turns the relative targets of CALL/JMP (E8/E9) into absolute ones before
compression; this undoes it. `buffer` holds one whole xz block's output, so the filter runs
once over it; the last four bytes are left as they are, as the streaming decoder does at the end.
*/

const maskToAllowedStatus = [true, true, true, false, true, false, false, false];
const maskToBitNumber = [0, 1, 2, 2, 3, 3, 3, 3];

// Only 00 and FF are plausible high bytes of a near call displacement.
const testMsByte = (byte: number) => byte === 0x00 || byte === 0xFF;

export function bcjX86Decode(buffer: Uint8Array, startOffset = 0): void {
	if (buffer.length <= 4) {
		return;
	}

	const size = buffer.length - 4;
	let previousPosition = -1;
	let previousMask = 0;
	for (let i = 0; i < size; i++) {
		if ((buffer[i]! & 0xFE) !== 0xE8) {
			continue;
		}

		const distance = i - previousPosition;
		if (distance > 3) {
			previousMask = 0;
		} else {
			previousMask = (previousMask << (distance - 1)) & 7;
			if (previousMask !== 0) {
				const byte = buffer[i + 4 - maskToBitNumber[previousMask]!]!;
				if (!maskToAllowedStatus[previousMask] || testMsByte(byte)) {
					previousPosition = i;
					previousMask = (previousMask << 1) | 1;
					continue;
				}
			}
		}

		previousPosition = i;
		if (testMsByte(buffer[i + 4]!)) {
			let source = (buffer[i + 1]! | (buffer[i + 2]! << 8) | (buffer[i + 3]! << 16) | (buffer[i + 4]! << 24)) >>> 0;
			let destination: number;
			for (;;) {
				destination = (source - (startOffset + i + 5)) >>> 0;
				if (previousMask === 0) {
					break;
				}

				const bits = maskToBitNumber[previousMask]! * 8;
				if (!testMsByte((destination >>> (24 - bits)) & 0xFF)) {
					break;
				}

				source = (destination ^ (2 ** (32 - bits) - 1)) >>> 0;
			}

			destination &= 0x01_FF_FF_FF;
			if (destination & 0x01_00_00_00) {
				destination |= 0xFF_00_00_00; // Sign-extend from bit 24
			}

			buffer[i + 1] = destination & 0xFF;
			buffer[i + 2] = (destination >>> 8) & 0xFF;
			buffer[i + 3] = (destination >>> 16) & 0xFF;
			buffer[i + 4] = (destination >>> 24) & 0xFF;
			i += 4;
		} else {
			previousMask = (previousMask << 1) | 1;
		}
	}
}
