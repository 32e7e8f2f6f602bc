// Pinned vectors: any change to nonce derivation, AAD, record layout or the
// last-record flag changes these bytes, and every file already uploaded would
// become unreadable. They were computed once with this code and checked
// against node:crypto's aes-256-gcm below, using nonces and AAD written out by
// hand from docs/encryption.md rather than from the code under test.

import { createCipheriv, createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decryptRecords, encryptRecords } from './records';
import { KAT_KEY, fromHex, hex, katKey, pattern, smallHeader } from './test-fixtures';

const R = 4096;

// "ferryenc" | version 1 | recordSize 4096 | nonce base f0..fb | plaintextSize
const aadFor = (sizeHex: string) =>
	fromHex('6665727279656e63' + '01' + '00001000' + 'f0f1f2f3f4f5f6f7f8f9fafb' + sizeHex);

describe('known answers (key 00..1f, nonce base f0..fb, 4 KiB records)', () => {
	it('empty file: one record that is only a tag', async () => {
		const key = await katKey();
		const header = smallHeader(0);
		const ciphertext = await encryptRecords(key, header, 0, new Uint8Array(0), true);
		expect(hex(ciphertext)).toBe('182759fc22227ae8f80895bbb69735a4');
		expect(await decryptRecords(key, header, 0, ciphertext, 1)).toEqual(new Uint8Array(0));
	});

	it('"hello": one short final record', async () => {
		const key = await katKey();
		const plaintext = new TextEncoder().encode('hello');
		const ciphertext = await encryptRecords(key, smallHeader(5), 0, plaintext, true);
		expect(hex(ciphertext)).toBe('4b7b20f6572e0ce92d165c1a9abbe553ad62c90e53');
	});

	it('10000 bytes: two full records and a final one of 1808 bytes', async () => {
		const key = await katKey();
		const ciphertext = await encryptRecords(key, smallHeader(10000), 0, pattern(10000), true);
		expect(ciphertext.length).toBe(10048);
		expect(hex(ciphertext.subarray(0, 32))).toBe(
			'69074103783fd47397fefd9182476cb900f04bd12c12598f4e4f29bb452ecc18'
		);
		const tags = [R + 16, 2 * (R + 16), 10048].map((end) =>
			hex(ciphertext.subarray(end - 16, end))
		);
		expect(tags).toEqual([
			'b5efd4af394275d95f2be511c296b236',
			'23497d3ed1dd9fc4705ff278631686dd',
			'2c2ec6120ece5285ee463254033ad0ec'
		]);
		expect(createHash('sha256').update(ciphertext).digest('hex')).toBe(
			'32dddc69f04bca4c5f98480237834789aa7d06bf0b383f6fe588fca324ed163c'
		);
	});

	it('agrees with node:crypto aes-256-gcm for a middle and the final record', async () => {
		const plaintext = pattern(10000);
		const ciphertext = await encryptRecords(await katKey(), smallHeader(10000), 0, plaintext, true);
		const aad = aadFor('0000000000002710');
		const cases = [
			// record 1: base XOR index 1 in the last byte, no flag
			{ index: 1, nonce: 'f0f1f2f3f4f5f6f7f8f9fafa' },
			// record 2: base XOR index 2, and 0x01 in byte 0 because it is the final record
			{ index: 2, nonce: 'f1f1f2f3f4f5f6f7f8f9faf9' }
		];
		for (const { index, nonce } of cases) {
			const cipher = createCipheriv('aes-256-gcm', KAT_KEY, fromHex(nonce));
			cipher.setAAD(aad);
			const input = plaintext.subarray(index * R, Math.min((index + 1) * R, plaintext.length));
			const expected = Buffer.concat([cipher.update(input), cipher.final(), cipher.getAuthTag()]);
			const actual = ciphertext.subarray(index * (R + 16), (index + 1) * (R + 16));
			expect(hex(actual)).toBe(expected.toString('hex'));
		}
	});
});
