import { describe, expect, it } from 'vitest';
import {
	decryptMetadata,
	encryptMetadata,
	fileKeyFromFragment,
	fileKeyToFragment
} from './metadata';
import { fromHex } from './test-fixtures';

const key = fromHex('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f');
const nonce = fromHex('a0a1a2a3a4a5a6a7a8a9aaab');

describe('encrypted file metadata', () => {
	it('round-trips name, type and lastModified', async () => {
		const meta = {
			name: 'Quarterly report – final.pdf',
			type: 'application/pdf',
			lastModified: 1_700_000_000_000
		};
		const sealed = await encryptMetadata(key, meta);
		expect(sealed.startsWith('m1.')).toBe(true);
		expect(sealed).not.toContain('report');
		expect(await decryptMetadata(key, sealed)).toEqual(meta);
	});

	it('is pinned: the same key and nonce give the same bytes', async () => {
		const sealed = await encryptMetadata(key, { name: 'a.txt', type: 'text/plain' }, nonce);
		expect(await decryptMetadata(key, sealed)).toEqual({ name: 'a.txt', type: 'text/plain' });
		expect(sealed).toBe(
			'm1.oKGio6SlpqeoqaqrveWW5No8TOEaMOawnecBOVyZ0_ll35zO2JKoEA0bYs6-J3hAyLAxYXQn-uB6XvSIoul8WbIll4_oA_y88VvwqsQzfQGR__NGmjOT9Qx-UHM'
		);
	});

	it('pads names so short and longer names seal to the same length', async () => {
		const a = await encryptMetadata(key, { name: 'a', type: 'text/plain' });
		const b = await encryptMetadata(key, { name: 'a-somewhat-longer-name', type: 'text/plain' });
		expect(a.length).toBe(b.length);
	});

	it('refuses a wrong key and an altered byte', async () => {
		const sealed = await encryptMetadata(key, { name: 'a.txt', type: 'text/plain' });
		const other = new Uint8Array(key);
		other[0] = (other[0] ?? 0) ^ 1;
		await expect(decryptMetadata(other, sealed)).rejects.toMatchObject({ code: 'decrypt_failed' });
		const flipped = sealed.slice(0, 20) + (sealed[20] === 'A' ? 'B' : 'A') + sealed.slice(21);
		await expect(decryptMetadata(key, flipped)).rejects.toMatchObject({ code: 'decrypt_failed' });
		await expect(decryptMetadata(key, 'not-metadata')).rejects.toMatchObject({
			code: 'invalid_header'
		});
	});

	it('carries a file key in a link fragment and rejects a cut one', () => {
		const fragment = fileKeyToFragment(key);
		expect(fileKeyFromFragment(`#${fragment}`)).toEqual(key);
		expect(fileKeyFromFragment(`#${fragment.slice(0, -3)}`)).toBeNull();
		expect(fileKeyFromFragment('')).toBeNull();
	});
});
