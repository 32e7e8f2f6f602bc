import { describe, expect, it } from 'vitest';
import type { Cipher } from '../../ports';
import {
	MAX_PARTS,
	createLayout,
	expectedPartCount,
	initialParts,
	plainPartRange,
	storedPartSize
} from './plan';
import { normalizeEtag, reconcileParts } from './session';

/** A toy record cipher: 8 plaintext bytes -> 10 ciphertext bytes per record. */
const cipher: Pick<Cipher, 'plaintextPartSize' | 'encryptedLength'> = {
	plaintextPartSize: (size) => (size / 10) * 8,
	encryptedLength: (n, isLast) => (isLast ? Math.max(1, Math.ceil(n / 8)) : n / 8) * 10
};

describe('part planning', () => {
	it.each([
		[0, 10, 1],
		[1, 10, 1],
		[10, 10, 1],
		[11, 10, 2],
		[30, 10, 3],
		[31, 10, 4]
	])('size %i in parts of %i -> %i parts', (size, partSize, count) => {
		expect(expectedPartCount(size, partSize)).toBe(count);
	});

	it('gives every part partSize bytes except a smaller last one', () => {
		const layout = createLayout({ size: 25, partSize: 10, partCount: 3 }, 25);
		expect(initialParts(layout).map((p) => p.size)).toEqual([10, 10, 5]);
		expect(plainPartRange(layout, 3)).toEqual({ start: 20, end: 25 });
	});

	it('plans a 0-byte file as one empty part', () => {
		const layout = createLayout({ size: 0, partSize: 10, partCount: 1 }, 0);
		expect(initialParts(layout)).toEqual([{ partNumber: 1, size: 0, state: 'pending' }]);
		expect(plainPartRange(layout, 1)).toEqual({ start: 0, end: 0 });
	});

	it('rejects a server plan that does not cover the file', () => {
		const bad =
			(plan: { size: number; partSize: number; partCount: number }, plain = plan.size) =>
			() =>
				createLayout(plan, plain);
		const rejected = expect.objectContaining({ code: 'server_rejected' });
		expect(bad({ size: 25, partSize: 10, partCount: 2 })).toThrow(rejected);
		expect(bad({ size: 25, partSize: 0, partCount: 1 })).toThrow(rejected);
		expect(bad({ size: 25, partSize: 10, partCount: 3 }, 26)).toThrow(rejected);
		const huge = MAX_PARTS * 10 + 1;
		expect(bad({ size: huge, partSize: 10, partCount: MAX_PARTS + 1 })).toThrow(rejected);
	});

	it('maps stored (ciphertext) parts back to plaintext ranges for a record cipher', () => {
		// 20 plaintext bytes -> 3 records -> 30 bytes; parts of 20 ciphertext = 16 plaintext.
		const layout = createLayout({ size: 30, partSize: 20, partCount: 2 }, 20, cipher);
		expect(layout.plainPartSize).toBe(16);
		expect(plainPartRange(layout, 1)).toEqual({ start: 0, end: 16 });
		expect(plainPartRange(layout, 2)).toEqual({ start: 16, end: 20 });
		expect(storedPartSize(layout, 2)).toBe(10);
	});

	it('rejects a part size that is not record-aligned', () => {
		expect(() => createLayout({ size: 30, partSize: 15, partCount: 2 }, 20, cipher)).toThrow(
			expect.objectContaining({ code: 'server_rejected' })
		);
	});
});

describe('reconcileParts (resume)', () => {
	const layout = createLayout({ size: 40, partSize: 10, partCount: 4 }, 40);

	it('marks done only what storage has, taking its etags', () => {
		const parts = reconcileParts(layout, [{ partNumber: 2, size: 10, etag: '"b"' }], [], false);
		expect(parts.map((p) => p.state)).toEqual(['pending', 'done', 'pending', 'pending']);
		expect(parts[1]?.etag).toBe('"b"');
	});

	it('ignores a stored part whose size does not match the plan', () => {
		const parts = reconcileParts(layout, [{ partNumber: 1, size: 7, etag: 'a' }], [], false);
		expect(parts[0]?.state).toBe('pending');
	});

	it('with checksums, skips a part only if the store kept its checksum for the same etag', () => {
		const remote = [
			{ partNumber: 1, size: 10, etag: '"a"' },
			{ partNumber: 2, size: 10, etag: '"b"' },
			{ partNumber: 3, size: 10, etag: '"c"' }
		];
		const stored = [
			{ partNumber: 1, size: 10, etag: 'a', checksum: 'AAAA' },
			{ partNumber: 2, size: 10, etag: '"other"', checksum: 'BBBB' },
			{ partNumber: 4, size: 10, etag: '"d"', checksum: 'DDDD' }
		];
		const parts = reconcileParts(layout, remote, stored, true);
		expect(parts.map((p) => p.state)).toEqual(['done', 'pending', 'pending', 'pending']);
		expect(parts[0]?.checksum).toBe('AAAA');
	});

	it('normalizes quoted and weak etags', () => {
		expect(normalizeEtag('W/"abc"')).toBe('abc');
		expect(normalizeEtag('abc')).toBe('abc');
	});
});
