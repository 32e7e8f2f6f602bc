// What a preview request asks for and which records answer it. Media elements
// send `Range: bytes=N-` and read on; answering every range in full would make
// the service worker fetch and decrypt to the end of a 10 GB file before the
// first byte arrives, so an open or long range is answered with a bounded
// slice (206 with its true Content-Range) and the browser asks for the next.

import { planPlaintextRange, type EncryptionHeader, type PlaintextRangePlan } from '../crypto';

/** Plaintext bytes [start, end) of a file; end is exclusive. */
export interface ByteRange {
	readonly start: number;
	readonly end: number;
}

export type RangeRequest =
	| { readonly kind: 'whole' }
	| { readonly kind: 'range'; readonly range: ByteRange }
	| { readonly kind: 'unsatisfiable' };

/**
 * Reads a `Range` header against a file of `size` bytes (RFC 9110 14.1.2).
 * Only one range is served: a multi-range or malformed header is treated as
 * absent (the whole file), which the RFC allows a server to do.
 */
export function parseRangeHeader(header: string | null, size: number): RangeRequest {
	if (header === null) return { kind: 'whole' };
	const match = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
	if (!match) return { kind: 'whole' };
	const [, first = '', last = ''] = match;
	if (first === '' && last === '') return { kind: 'whole' };
	if (first === '') {
		// Suffix range: the last N bytes.
		const suffix = Number(last);
		if (suffix === 0 || size === 0) return { kind: 'unsatisfiable' };
		return { kind: 'range', range: { start: Math.max(0, size - suffix), end: size } };
	}
	const start = Number(first);
	if (!Number.isSafeInteger(start) || start >= size) return { kind: 'unsatisfiable' };
	const lastByte = last === '' ? size - 1 : Math.min(Number(last), size - 1);
	if (!Number.isSafeInteger(lastByte) || lastByte < start) return { kind: 'whole' };
	return { kind: 'range', range: { start, end: lastByte + 1 } };
}

/** How a preview response is cut out of the encrypted object. */
export interface PreviewSlice {
	/** The plaintext bytes this response carries (may be shorter than asked). */
	readonly range: ByteRange;
	/** The records to fetch and decrypt, and where the range sits in them. */
	readonly plan: PlaintextRangePlan;
}

/**
 * Bounds one ranged response to at most `maxBytes` of plaintext, cut so that
 * the next request starts on a record boundary (no record is fetched twice in
 * a sequential read).
 */
export function planPreviewSlice(
	header: EncryptionHeader,
	range: ByteRange,
	maxBytes: number
): PreviewSlice {
	const record = header.recordSize;
	const cap = Math.max(record, Math.floor(maxBytes / record) * record);
	// End at a record boundary at most `cap` bytes past the record the range starts in.
	const boundary = Math.floor(range.start / record) * record + cap;
	const end = Math.min(range.end, boundary);
	const plan = planPlaintextRange(header, range.start, end);
	return { range: { start: range.start, end }, plan };
}

/** Ciphertext byte windows of at most `chunkBytes`, made of whole records, covering a plan. */
export function ciphertextChunks(
	header: EncryptionHeader,
	plan: PlaintextRangePlan,
	chunkBytes: number
): { firstRecord: number; recordCount: number }[] {
	const perChunk = Math.max(1, Math.floor(chunkBytes / (header.recordSize + 16)));
	const chunks: { firstRecord: number; recordCount: number }[] = [];
	for (let r = plan.firstRecord; r < plan.firstRecord + plan.recordCount; r += perChunk) {
		chunks.push({
			firstRecord: r,
			recordCount: Math.min(perChunk, plan.firstRecord + plan.recordCount - r)
		});
	}
	return chunks;
}

/** `Content-Range` for a 206 answer. */
export function contentRange(range: ByteRange, size: number): string {
	return `bytes ${range.start}-${range.end - 1}/${size}`;
}
