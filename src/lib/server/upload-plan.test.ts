import { describe, expect, it } from 'vitest';
import { ciphertextPartSize, ciphertextSize } from '$lib/core/crypto/layout';
import { planParts } from './upload-plan';

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;
const s3 = { maxParts: 10_000, minPartSize: 5 * MiB, maxPartSize: 5 * GiB, maxObjectSize: 5 * 1024 * GiB };

function plain(size: number, preferredPartSize?: number) {
	return planParts({ size, plaintextSize: size, recordSize: null, capabilities: s3, preferredPartSize });
}

describe('planParts', () => {
	it('uses 16 MiB parts for ordinary files', () => {
		expect(plain(100 * MiB)).toEqual({ ok: true, partSize: 16 * MiB, plaintextPartSize: 16 * MiB, partCount: 7 });
	});

	it('plans one part for a 0-byte and a 1-byte file', () => {
		expect(plain(0)).toMatchObject({ ok: true, partCount: 1 });
		expect(plain(1)).toMatchObject({ ok: true, partCount: 1 });
	});

	it('grows parts so that a 200 GiB file stays within 10,000 parts, in whole MiB', () => {
		const plan = plain(200 * GiB);
		expect(plan.ok && plan.partSize % MiB).toBe(0);
		expect(plan.ok && plan.partCount).toBeLessThanOrEqual(10_000);
		expect(plan).toMatchObject({ partSize: 21 * MiB });
	});

	it('covers the largest object S3 allows', () => {
		const plan = plain(5 * 1024 * GiB);
		expect(plan.ok && plan.partCount).toBeLessThanOrEqual(10_000);
		expect(plan.ok && plan.partSize).toBeLessThanOrEqual(5 * GiB);
	});

	it('refuses a file larger than the provider holds', () => {
		expect(plain(5 * 1024 * GiB + 1)).toMatchObject({ ok: false, code: 'file_too_large' });
	});

	it('honours a preferred part size within bounds and raises one below the minimum', () => {
		expect(plain(100 * MiB, 8 * MiB)).toMatchObject({ partSize: 8 * MiB, partCount: 13 });
		expect(plain(100 * MiB, 1 * MiB)).toMatchObject({ partSize: 5 * MiB });
		expect(plain(100 * MiB, 6 * GiB)).toMatchObject({ ok: false, code: 'part_size_out_of_range' });
	});

	it('makes encrypted parts hold whole records, so stored parts are ciphertext of whole MiB', () => {
		const plaintextSize = 50 * MiB + 123;
		const size = ciphertextSize(plaintextSize, 65536);
		const plan = planParts({ size, plaintextSize, recordSize: 65536, capabilities: s3 });
		expect(plan).toEqual({ ok: true, partSize: ciphertextPartSize(16 * MiB, 65536), plaintextPartSize: 16 * MiB, partCount: 4 });
	});

	it('refuses an encrypted size that does not match the plaintext size', () => {
		const plan = planParts({ size: 1000, plaintextSize: 1000, recordSize: 65536, capabilities: s3 });
		expect(plan.ok).toBe(false);
	});
});
