import { describe, expect, it } from 'vitest';
import { generateFileKey, importFileKey } from './keys';

describe('file keys', () => {
	it('generates 32 random bytes each time', () => {
		const a = generateFileKey();
		const b = generateFileKey();
		expect(a.length).toBe(32);
		expect(a).not.toEqual(b);
	});

	it('imports as a non-extractable AES-GCM key for encrypt and decrypt only', async () => {
		const key = await importFileKey(generateFileKey());
		expect(key.extractable).toBe(false);
		expect(key.algorithm).toMatchObject({ name: 'AES-GCM', length: 256 });
		expect([...key.usages].sort()).toEqual(['decrypt', 'encrypt']);
		await expect(crypto.subtle.exportKey('raw', key)).rejects.toThrow();
	});

	it('refuses keys that are not 32 bytes', async () => {
		await expect(importFileKey(new Uint8Array(16))).rejects.toMatchObject({ code: 'invalid_key' });
		await expect(importFileKey(new Uint8Array(33))).rejects.toMatchObject({ code: 'invalid_key' });
	});
});
