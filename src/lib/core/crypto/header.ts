import { decodeBase64url, encodeBase64url } from './base64url';
import {
	DEFAULT_RECORD_SIZE,
	FORMAT_VERSION,
	MAX_PLAINTEXT_SIZE,
	MAX_RECORD_SIZE,
	MIN_RECORD_SIZE,
	NONCE_SIZE
} from './constants';
import { CryptoFormatError } from './errors';

/**
 * Stored next to the upload in the clear. It must never hold the key; the
 * parser refuses unknown fields so a key that slipped in is caught, not stored.
 */
export interface EncryptionHeader {
	readonly version: typeof FORMAT_VERSION;
	/** Plaintext bytes per record; every record but the last is exactly this long. */
	readonly recordSize: number;
	/** 12 random bytes, unpadded base64url (16 characters). */
	readonly nonceBase: string;
	readonly plaintextSize: number;
}

const FIELDS = ['version', 'recordSize', 'nonceBase', 'plaintextSize'] as const;

export function isValidRecordSize(value: unknown): value is number {
	return (
		typeof value === 'number' &&
		Number.isInteger(value) &&
		value >= MIN_RECORD_SIZE &&
		value <= MAX_RECORD_SIZE &&
		(value & (value - 1)) === 0
	);
}

export function isValidPlaintextSize(value: unknown): value is number {
	return (
		typeof value === 'number' &&
		Number.isInteger(value) &&
		value >= 0 &&
		value <= MAX_PLAINTEXT_SIZE
	);
}

function invalid(message: string): CryptoFormatError {
	return new CryptoFormatError('invalid_header', message);
}

/** Starts a new file: a fresh random nonce base unless a test pins one. */
export function createHeader(options: {
	plaintextSize: number;
	recordSize?: number;
	nonceBase?: Uint8Array;
}): EncryptionHeader {
	const nonceBase = options.nonceBase ?? crypto.getRandomValues(new Uint8Array(NONCE_SIZE));
	return parseHeader({
		version: FORMAT_VERSION,
		recordSize: options.recordSize ?? DEFAULT_RECORD_SIZE,
		nonceBase: encodeBase64url(nonceBase),
		plaintextSize: options.plaintextSize
	});
}

/**
 * Validates a header read back from storage or the network (already
 * JSON-parsed) and returns a fresh frozen copy holding only the known fields.
 */
export function parseHeader(value: unknown): EncryptionHeader {
	if (typeof value !== 'object' || value === null || Array.isArray(value)) {
		throw invalid('header is not an object');
	}
	const record = value as Record<string, unknown>;
	for (const key of Object.keys(record)) {
		if (!(FIELDS as readonly string[]).includes(key)) throw invalid(`unknown header field ${key}`);
	}
	const { version, recordSize, nonceBase, plaintextSize } = record;
	if (version !== FORMAT_VERSION) throw invalid('unsupported header version');
	if (!isValidRecordSize(recordSize)) {
		throw invalid('recordSize must be a power of two from 4 KiB to 16 MiB');
	}
	if (typeof nonceBase !== 'string' || decodeBase64url(nonceBase)?.length !== NONCE_SIZE) {
		throw invalid('nonceBase must be 12 bytes of unpadded base64url');
	}
	if (!isValidPlaintextSize(plaintextSize)) {
		throw invalid('plaintextSize must be an integer from 0 to 2^52');
	}
	return Object.freeze({ version, recordSize, nonceBase, plaintextSize });
}

export function nonceBaseBytes(header: EncryptionHeader): Uint8Array<ArrayBuffer> {
	const bytes = decodeBase64url(header.nonceBase);
	if (bytes?.length !== NONCE_SIZE)
		throw invalid('nonceBase must be 12 bytes of unpadded base64url');
	return bytes;
}

const AAD_MAGIC = new TextEncoder().encode('ferryenc');
export const HEADER_AAD_SIZE = AAD_MAGIC.length + 1 + 4 + NONCE_SIZE + 8;

/**
 * The additional authenticated data of every record: a fixed binary encoding
 * of the whole header. Binding the header into each tag means a stored header
 * that was edited (another record size, a shorter plaintextSize to hide a
 * dropped tail) fails on the first record read, not only on the last one.
 *
 *   0  8  ASCII "ferryenc"
 *   8  1  version
 *   9  4  recordSize, big-endian
 *  13 12  nonce base
 *  25  8  plaintextSize, big-endian
 */
export function headerAad(header: EncryptionHeader): Uint8Array<ArrayBuffer> {
	const out = new Uint8Array(HEADER_AAD_SIZE);
	const view = new DataView(out.buffer);
	out.set(AAD_MAGIC, 0);
	view.setUint8(8, header.version);
	view.setUint32(9, header.recordSize);
	out.set(nonceBaseBytes(header), 13);
	view.setUint32(25, Math.floor(header.plaintextSize / 2 ** 32));
	view.setUint32(29, header.plaintextSize >>> 0);
	return out;
}
