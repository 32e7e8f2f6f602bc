import { createHash } from 'node:crypto';

/**
 * A completed local object is its parts left where they were written plus
 * this manifest: completing a 50 GB upload writes a few kilobytes instead of
 * copying 50 GB. Reads map a byte range onto the parts.
 */
export interface ManifestPart {
	partNumber: number;
	size: number;
	/** Byte offset of the part's first byte within the object. */
	offset: number;
	etag: string;
}

export interface Manifest {
	version: 1;
	key: string;
	uploadId: string;
	contentType: string;
	size: number;
	etag: string;
	completedAt: string;
	parts: ManifestPart[];
}

export interface PartSlice {
	partNumber: number;
	/** Inclusive byte positions within the part. */
	start: number;
	end: number;
}

export function withOffsets(
	parts: { partNumber: number; size: number; etag: string }[]
): ManifestPart[] {
	let offset = 0;
	return parts.map((part) => {
		const placed = { ...part, offset };
		offset += part.size;
		return placed;
	});
}

/** S3's multipart ETag: MD5 of the parts' binary MD5s, then "-<count>". */
export function multipartEtag(partEtags: string[]): string {
	const hash = createHash('md5');
	for (const etag of partEtags) hash.update(Buffer.from(etag.replaceAll('"', ''), 'hex'));
	return `"${hash.digest('hex')}-${partEtags.length}"`;
}

export type ByteRange = { start: number; end: number };

/**
 * Parses a single `bytes=` range (inclusive end). Returns null to mean "send
 * the whole object": no header, several ranges, or a unit we do not serve,
 * all of which RFC 9110 lets a server ignore.
 */
export function parseRange(
	header: string | null,
	size: number
): ByteRange | 'unsatisfiable' | null {
	if (header === null) return null;
	const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
	if (!match) return null;
	const [, first = '', last = ''] = match;
	if (first === '' && last === '') return null;
	if (first === '') {
		const suffix = Number(last);
		if (suffix === 0 || size === 0) return 'unsatisfiable';
		return { start: Math.max(0, size - suffix), end: size - 1 };
	}
	const start = Number(first);
	if (start >= size) return 'unsatisfiable';
	const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
	if (end < start) return null;
	return { start, end };
}

/** Which bytes of which parts make up [start, end] of the object. */
export function mapRange(parts: ManifestPart[], range: ByteRange): PartSlice[] {
	const slices: PartSlice[] = [];
	for (const part of parts) {
		const partEnd = part.offset + part.size - 1;
		if (part.size === 0 || partEnd < range.start || part.offset > range.end) continue;
		slices.push({
			partNumber: part.partNumber,
			start: Math.max(range.start, part.offset) - part.offset,
			end: Math.min(range.end, partEnd) - part.offset
		});
	}
	return slices;
}
