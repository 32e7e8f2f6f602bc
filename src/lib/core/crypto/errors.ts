/**
 * Why a record or header was refused. Callers branch on `code`, never on the
 * message or on `instanceof`: the error crosses Comlink and postMessage, which
 * drop the prototype (and structured clone keeps only name and message of an
 * Error, so whoever relays it across a worker boundary must copy `code`).
 */
export type CryptoFormatErrorCode =
	/** The header object is missing a field, has an unknown one, or a value out of range. */
	| 'invalid_header'
	/** A raw file key is not 32 bytes. */
	| 'invalid_key'
	/** An offset, range or record index lies outside the file or off a record boundary. */
	| 'invalid_range'
	/** A plaintext chunk is not whole records, or its `isLastChunk` flag contradicts the header. */
	| 'invalid_chunk'
	/** A plaintext stream carried more or fewer bytes than the header's `plaintextSize`. */
	| 'size_mismatch'
	/** Ciphertext ends before the records it should hold, e.g. the final record was dropped. */
	| 'truncated'
	/** Ciphertext continues past the file's final record. */
	| 'trailing_data'
	/**
	 * An authentication tag did not verify: a flipped bit, records reordered or taken from
	 * another file, a wrong key, or a header that differs from the one used to encrypt.
	 */
	| 'decrypt_failed';

export class CryptoFormatError extends Error {
	readonly code: CryptoFormatErrorCode;
	/** Extra facts for logs (record index, sizes). Never contains key or plaintext bytes. */
	readonly details: Readonly<Record<string, number | string>>;

	constructor(
		code: CryptoFormatErrorCode,
		message: string,
		details: Record<string, number | string> = {}
	) {
		super(message);
		this.name = 'CryptoFormatError';
		this.code = code;
		this.details = details;
	}
}

const CODES: ReadonlySet<string> = new Set<CryptoFormatErrorCode>([
	'invalid_header',
	'invalid_key',
	'invalid_range',
	'invalid_chunk',
	'size_mismatch',
	'truncated',
	'trailing_data',
	'decrypt_failed'
]);

/** Recognises the error by shape, so it also accepts a relayed plain `{ code, message }`. */
export function isCryptoFormatError(
	value: unknown
): value is { code: CryptoFormatErrorCode; message: string } {
	return (
		typeof value === 'object' &&
		value !== null &&
		'code' in value &&
		typeof value.code === 'string' &&
		CODES.has(value.code)
	);
}
