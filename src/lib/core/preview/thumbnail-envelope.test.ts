import { describe, expect, it } from 'vitest';
import { generateFileKey, importFileKey, isCryptoFormatError } from '../crypto';
import { envelopeHeader, openThumbnail, sealThumbnail } from './thumbnail-envelope';

describe('thumbnail envelope', () => {
	it('round-trips with the file key and fails with another key', async () => {
		const key = await importFileKey(generateFileKey());
		const thumb = new Uint8Array(70_000).map((_, i) => (i * 31) & 0xff);
		const envelope = await sealThumbnail(key, thumb);
		expect(envelope.length).toBe(12 + 70_000 + 2 * 16);
		expect(envelopeHeader(envelope).plaintextSize).toBe(70_000);
		expect(await openThumbnail(key, envelope)).toEqual(thumb);
		const other = await importFileKey(generateFileKey());
		await expect(openThumbnail(other, envelope)).rejects.toSatisfy(isCryptoFormatError);
	});

	it('uses a fresh nonce base each time, so sealing twice gives different bytes', async () => {
		const key = await importFileKey(generateFileKey());
		const thumb = new Uint8Array(100);
		const a = await sealThumbnail(key, thumb);
		const b = await sealThumbnail(key, thumb);
		expect(a.subarray(0, 12)).not.toEqual(b.subarray(0, 12));
	});

	it('refuses an envelope too short to hold a record', () => {
		expect(() => envelopeHeader(new Uint8Array(20))).toThrow();
	});
});
