import { NONCE_SIZE } from './constants';

/** XORed into byte 0 of the nonce of a file's final record. */
export const LAST_RECORD_FLAG = 0x01;

/**
 * nonce = nonceBase XOR (flag byte || 3 zero bytes || 64-bit big-endian index).
 *
 * XOR with a fixed base is a bijection, so each (index, isLast) pair gets its
 * own nonce under the file's key: a record moved to another position, or the
 * second-to-last record presented as the last one after the tail was cut off,
 * is decrypted under a different nonce and its tag fails. This is the STREAM
 * construction (Hoang, Reyhanitabar, Rogaway, Vizár 2015) with the counter
 * masked by a random base, as RFC 8188 masks its sequence number.
 */
export function recordNonce(
	nonceBase: Uint8Array,
	recordIndex: number,
	isLast: boolean
): Uint8Array<ArrayBuffer> {
	if (nonceBase.length !== NONCE_SIZE) throw new RangeError('nonce base must be 12 bytes');
	if (!Number.isSafeInteger(recordIndex) || recordIndex < 0) {
		throw new RangeError('record index must be a non-negative safe integer');
	}
	const nonce = new Uint8Array(nonceBase);
	const view = new DataView(nonce.buffer);
	view.setUint32(4, view.getUint32(4) ^ Math.floor(recordIndex / 2 ** 32));
	view.setUint32(8, view.getUint32(8) ^ (recordIndex >>> 0));
	if (isLast) nonce[0] = nonce[0]! ^ LAST_RECORD_FLAG;
	return nonce;
}
