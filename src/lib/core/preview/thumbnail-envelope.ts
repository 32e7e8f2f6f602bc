// An encrypted thumbnail is stored as: its own 12-byte nonce base, then the
// thumbnail encrypted with the file's key in the file record format (64 KiB
// records). The file's key is reused with a fresh random nonce base, so no
// (key, nonce) pair repeats; the nonce base is also in every record's AAD, so
// a thumbnail record cannot pass as a record of the file or the other way round.

import {
	NONCE_SIZE,
	createHeader,
	decryptRecords,
	encryptRecords,
	parseHeader,
	plaintextSizeOf,
	recordCount,
	type EncryptionHeader
} from '../crypto';
// Not re-exported by crypto/index: only the format's own code needs raw nonce bases.
import { encodeBase64url } from '../crypto/base64url';
import { nonceBaseBytes } from '../crypto/header';

export const THUMBNAIL_RECORD_SIZE = 64 * 1024;
/** Upper bound the server enforces on a stored thumbnail (plain or encrypted). */
export const MAX_THUMBNAIL_BYTES = 256 * 1024;
/** Longest edge of a generated thumbnail, in CSS pixels. */
export const THUMBNAIL_EDGE = 320;

export async function sealThumbnail(
	key: CryptoKey,
	thumbnail: Uint8Array<ArrayBuffer>
): Promise<Uint8Array<ArrayBuffer>> {
	const header = createHeader({
		plaintextSize: thumbnail.length,
		recordSize: THUMBNAIL_RECORD_SIZE
	});
	const sealed = await encryptRecords(key, header, 0, thumbnail, true);
	const out = new Uint8Array(NONCE_SIZE + sealed.length);
	out.set(nonceBaseBytes(header), 0);
	out.set(sealed, NONCE_SIZE);
	return out;
}

export async function openThumbnail(
	key: CryptoKey,
	envelope: Uint8Array<ArrayBuffer>
): Promise<Uint8Array<ArrayBuffer>> {
	const header = envelopeHeader(envelope);
	const body = envelope.slice(NONCE_SIZE);
	return decryptRecords(key, header, 0, body, recordCount(header.plaintextSize, header.recordSize));
}

/** The header an envelope implies; throws a CryptoFormatError for a malformed one. */
export function envelopeHeader(envelope: Uint8Array): EncryptionHeader {
	const body = envelope.length - NONCE_SIZE;
	return parseHeader({
		version: 1,
		recordSize: THUMBNAIL_RECORD_SIZE,
		nonceBase: encodeBase64url(envelope.subarray(0, NONCE_SIZE)),
		plaintextSize: plaintextSizeOf(Math.max(0, body), THUMBNAIL_RECORD_SIZE)
	});
}
