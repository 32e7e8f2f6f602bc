import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { mapRange, multipartEtag, parseRange, withOffsets } from './local-manifest';

const parts = withOffsets([
	{ partNumber: 1, size: 10, etag: '"a"' },
	{ partNumber: 2, size: 10, etag: '"b"' },
	{ partNumber: 3, size: 5, etag: '"c"' }
]);

describe('manifest ranges', () => {
	it('places parts one after another', () => {
		expect(parts.map((p) => p.offset)).toEqual([0, 10, 20]);
	});

	it('maps the first byte, a span across a boundary, the tail and the whole', () => {
		expect(mapRange(parts, { start: 0, end: 0 })).toEqual([{ partNumber: 1, start: 0, end: 0 }]);
		expect(mapRange(parts, { start: 8, end: 21 })).toEqual([
			{ partNumber: 1, start: 8, end: 9 },
			{ partNumber: 2, start: 0, end: 9 },
			{ partNumber: 3, start: 0, end: 1 }
		]);
		expect(mapRange(parts, { start: 20, end: 24 })).toEqual([{ partNumber: 3, start: 0, end: 4 }]);
		expect(mapRange(parts, { start: 0, end: 24 })).toHaveLength(3);
	});

	it('parses Range headers the way S3 does', () => {
		expect(parseRange('bytes=0-0', 25)).toEqual({ start: 0, end: 0 });
		expect(parseRange('bytes=10-', 25)).toEqual({ start: 10, end: 24 });
		expect(parseRange('bytes=-5', 25)).toEqual({ start: 20, end: 24 });
		expect(parseRange('bytes=-100', 25)).toEqual({ start: 0, end: 24 });
		expect(parseRange('bytes=20-999', 25)).toEqual({ start: 20, end: 24 });
		expect(parseRange('bytes=25-', 25)).toBe('unsatisfiable');
		expect(parseRange(null, 25)).toBeNull();
		expect(parseRange('bytes=0-1,5-6', 25)).toBeNull();
		expect(parseRange('items=0-1', 25)).toBeNull();
	});

	it('computes the S3 multipart ETag', () => {
		const md5 = (s: string) => createHash('md5').update(s).digest('hex');
		const expected = createHash('md5')
			.update(Buffer.concat([Buffer.from(md5('x'), 'hex'), Buffer.from(md5('y'), 'hex')]))
			.digest('hex');
		expect(multipartEtag([`"${md5('x')}"`, md5('y')])).toBe(`"${expected}-2"`);
	});
});
