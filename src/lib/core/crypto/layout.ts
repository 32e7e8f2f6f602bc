// Offset arithmetic between a file's plaintext and its ciphertext. Record i
// holds plaintext [i*R, min((i+1)*R, size)) and sits in the ciphertext at
// i*(R+16) followed by its 16-byte tag, so everything below is integer math.

import { TAG_SIZE } from './constants';
import { CryptoFormatError } from './errors';
import { isValidPlaintextSize, isValidRecordSize, type EncryptionHeader } from './header';

/** A run of whole records and the bytes it covers on both sides; ends are exclusive. */
export interface RecordSpan {
	readonly firstRecord: number;
	readonly recordCount: number;
	readonly plaintextStart: number;
	readonly plaintextEnd: number;
	readonly ciphertextStart: number;
	readonly ciphertextEnd: number;
	/** Whether the span ends with the file's final record. */
	readonly includesLastRecord: boolean;
}

/** The records to fetch for a plaintext range, and how to cut the range out of them. */
export interface PlaintextRangePlan extends RecordSpan {
	/** Decrypted bytes to drop before the requested range starts. */
	readonly skip: number;
	/** Bytes of the requested range (end - start). */
	readonly length: number;
}

function checkRecordSize(recordSize: number): void {
	if (!isValidRecordSize(recordSize)) {
		throw new CryptoFormatError(
			'invalid_header',
			'recordSize must be a power of two from 4 KiB to 16 MiB',
			{ recordSize }
		);
	}
}

function checkPlaintextSize(plaintextSize: number): void {
	if (!isValidPlaintextSize(plaintextSize)) {
		throw new CryptoFormatError('invalid_range', 'plaintext size out of range', {
			plaintextSize
		});
	}
}

function isCount(value: number): boolean {
	return Number.isSafeInteger(value) && value >= 0;
}

/**
 * Records in a file. The empty file still has one (empty) record, so even it
 * carries a tag and a wrong key or a swapped header is detected. A size that
 * is an exact multiple of the record size ends with a full record: the last
 * record is marked in its nonce, so no empty terminator is needed.
 */
export function recordCount(plaintextSize: number, recordSize: number): number {
	checkPlaintextSize(plaintextSize);
	checkRecordSize(recordSize);
	return Math.max(1, Math.ceil(plaintextSize / recordSize));
}

export function ciphertextSize(plaintextSize: number, recordSize: number): number {
	return plaintextSize + recordCount(plaintextSize, recordSize) * TAG_SIZE;
}

/**
 * The inverse of `ciphertextSize`, to check a stored object against its
 * header before serving it. Throws for sizes no plaintext encrypts to.
 */
export function plaintextSizeOf(ciphertextBytes: number, recordSize: number): number {
	checkRecordSize(recordSize);
	const stride = recordSize + TAG_SIZE;
	if (!isCount(ciphertextBytes) || ciphertextBytes < TAG_SIZE) {
		throw new CryptoFormatError('invalid_range', 'no plaintext has this ciphertext size', {
			ciphertextBytes
		});
	}
	const full = Math.floor(ciphertextBytes / stride);
	const rest = ciphertextBytes % stride;
	if (rest === 0) return full * recordSize;
	// A trailing record of only a tag exists only as the empty file's single record.
	if (rest > TAG_SIZE || (rest === TAG_SIZE && full === 0)) {
		return full * recordSize + rest - TAG_SIZE;
	}
	throw new CryptoFormatError('invalid_range', 'no plaintext has this ciphertext size', {
		ciphertextBytes
	});
}

/**
 * Plaintext part size -> ciphertext part size. Parts hold whole records, so
 * equal plaintext parts give equal ciphertext parts (R2 wants equal parts) and
 * every part can be encrypted, retried or decrypted on its own.
 */
export function ciphertextPartSize(plaintextPartSize: number, recordSize: number): number {
	checkRecordSize(recordSize);
	if (!isCount(plaintextPartSize) || plaintextPartSize === 0 || plaintextPartSize % recordSize) {
		throw new CryptoFormatError(
			'invalid_range',
			'plaintext part size must be a positive multiple of the record size',
			{ plaintextPartSize, recordSize }
		);
	}
	return plaintextPartSize + (plaintextPartSize / recordSize) * TAG_SIZE;
}

/** Records [firstRecord, firstRecord + count) of the file described by `header`. */
export function recordSpan(
	header: EncryptionHeader,
	firstRecord: number,
	count: number
): RecordSpan {
	const total = recordCount(header.plaintextSize, header.recordSize);
	if (!isCount(firstRecord) || !isCount(count) || count === 0 || firstRecord + count > total) {
		throw new CryptoFormatError('invalid_range', 'records outside the file', {
			firstRecord,
			count,
			total
		});
	}
	const end = firstRecord + count;
	const plaintextStart = firstRecord * header.recordSize;
	const plaintextEnd = Math.min(end * header.recordSize, header.plaintextSize);
	return {
		firstRecord,
		recordCount: count,
		plaintextStart,
		plaintextEnd,
		// Every record before a boundary contributes its plaintext plus one tag.
		ciphertextStart: plaintextStart + firstRecord * TAG_SIZE,
		ciphertextEnd: plaintextEnd + end * TAG_SIZE,
		includesLastRecord: end === total
	};
}

/**
 * Plaintext bytes [start, end) -> the records holding them. Fetch
 * [ciphertextStart, ciphertextEnd) (HTTP: `bytes=start-(end-1)`), decrypt it as
 * `recordCount` records from `firstRecord`, keep [skip, skip + length).
 * An empty range is refused: it needs no records, and an empty file has no
 * byte to ask for.
 */
export function planPlaintextRange(
	header: EncryptionHeader,
	start: number,
	end: number
): PlaintextRangePlan {
	if (!isCount(start) || !isCount(end) || start >= end || end > header.plaintextSize) {
		throw new CryptoFormatError('invalid_range', 'plaintext range outside the file', {
			start,
			end,
			plaintextSize: header.plaintextSize
		});
	}
	const firstRecord = Math.floor(start / header.recordSize);
	const lastRecord = Math.floor((end - 1) / header.recordSize);
	const span = recordSpan(header, firstRecord, lastRecord - firstRecord + 1);
	return { ...span, skip: start - span.plaintextStart, length: end - start };
}

/**
 * Ciphertext bytes [start, end) -> the records they hold. Both ends must fall
 * on record boundaries: a partial record cannot be authenticated, so there is
 * no plaintext to map it to.
 */
export function recordsInCiphertextRange(
	header: EncryptionHeader,
	start: number,
	end: number
): RecordSpan {
	const stride = header.recordSize + TAG_SIZE;
	const total = recordCount(header.plaintextSize, header.recordSize);
	const fileEnd = ciphertextSize(header.plaintextSize, header.recordSize);
	const aligned = (offset: number) => offset % stride === 0 || offset === fileEnd;
	if (
		!isCount(start) ||
		!isCount(end) ||
		start >= end ||
		end > fileEnd ||
		!aligned(start) ||
		start === fileEnd ||
		!aligned(end)
	) {
		throw new CryptoFormatError('invalid_range', 'ciphertext range is not whole records', {
			start,
			end
		});
	}
	const firstRecord = start / stride;
	const endRecord = end === fileEnd ? total : end / stride;
	return recordSpan(header, firstRecord, endRecord - firstRecord);
}

/** Parts a file is uploaded in; the empty file still uploads one part (its lone tag). */
export function partCount(header: EncryptionHeader, plaintextPartSize: number): number {
	ciphertextPartSize(plaintextPartSize, header.recordSize);
	return Math.max(1, Math.ceil(header.plaintextSize / plaintextPartSize));
}

/** The records and byte ranges of upload part `partIndex` (0-based). */
export function partSpan(
	header: EncryptionHeader,
	plaintextPartSize: number,
	partIndex: number
): RecordSpan {
	const parts = partCount(header, plaintextPartSize);
	if (!isCount(partIndex) || partIndex >= parts) {
		throw new CryptoFormatError('invalid_range', 'part outside the file', { partIndex, parts });
	}
	const perPart = plaintextPartSize / header.recordSize;
	const total = recordCount(header.plaintextSize, header.recordSize);
	const firstRecord = partIndex * perPart;
	return recordSpan(header, firstRecord, Math.min(perPart, total - firstRecord));
}
