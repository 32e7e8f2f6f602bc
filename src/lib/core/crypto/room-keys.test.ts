import { describe, expect, it } from 'vitest';
import { createHeader } from './header';
import {
	generateRoomKey,
	roomKeyFromFragment,
	roomKeyToFragment,
	unwrapFileKey,
	wrapFileKey
} from './room-keys';
import { fromHex } from './test-fixtures';

const roomKey = fromHex('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f');
const fileKey = fromHex('202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f');
const nonce = fromHex('b0b1b2b3b4b5b6b7b8b9babb');
const header = createHeader({
	plaintextSize: 1000,
	nonceBase: fromHex('c0c1c2c3c4c5c6c7c8c9cacb')
});
const binding = { roomId: 'room-1', header };

describe('room keys', () => {
	it('are 32 fresh random bytes each time', () => {
		const a = generateRoomKey();
		expect(a.length).toBe(32);
		expect(a).not.toEqual(generateRoomKey());
	});

	it('wrap and unwrap a file key', async () => {
		const wrapped = await wrapFileKey(roomKey, fileKey, binding);
		expect(wrapped.startsWith('w1.')).toBe(true);
		expect(await unwrapFileKey(roomKey, wrapped, binding)).toEqual(fileKey);
	});

	it('is pinned: the same keys, binding and nonce give the same bytes', async () => {
		const wrapped = await wrapFileKey(roomKey, fileKey, binding, nonce);
		expect(wrapped).toBe(PINNED);
		expect(await unwrapFileKey(roomKey, PINNED, binding)).toEqual(fileKey);
	});

	it('refuses a wrong room key', async () => {
		const wrapped = await wrapFileKey(roomKey, fileKey, binding);
		await expect(unwrapFileKey(generateRoomKey(), wrapped, binding)).rejects.toMatchObject({
			code: 'decrypt_failed'
		});
	});

	it('refuses a wrapped key moved to another file (another header) or another room', async () => {
		const wrapped = await wrapFileKey(roomKey, fileKey, binding);
		const otherFile = createHeader({ plaintextSize: 1000 });
		await expect(
			unwrapFileKey(roomKey, wrapped, { roomId: 'room-1', header: otherFile })
		).rejects.toMatchObject({ code: 'decrypt_failed' });
		await expect(
			unwrapFileKey(roomKey, wrapped, { roomId: 'room-2', header })
		).rejects.toMatchObject({ code: 'decrypt_failed' });
	});

	it('refuses any altered character', async () => {
		const wrapped = await wrapFileKey(roomKey, fileKey, binding);
		// Every character but the last carries only data bits (the last one also holds padding).
		for (const at of [3, 10, 20, 40, wrapped.length - 2]) {
			const flipped = wrapped[at] === 'A' ? 'B' : 'A';
			const altered = wrapped.slice(0, at) + flipped + wrapped.slice(at + 1);
			await expect(unwrapFileKey(roomKey, altered, binding)).rejects.toMatchObject({
				code: 'decrypt_failed'
			});
		}
	});

	it('refuses malformed input with a format error, not a crash', async () => {
		await expect(unwrapFileKey(roomKey, 'w1.short', binding)).rejects.toMatchObject({
			code: 'invalid_header'
		});
		await expect(unwrapFileKey(roomKey, 'nope', binding)).rejects.toMatchObject({
			code: 'invalid_header'
		});
		await expect(wrapFileKey(new Uint8Array(16), fileKey, binding)).rejects.toMatchObject({
			code: 'invalid_key'
		});
	});

	it('travel in an invite fragment and come back; a cut-short link gives null', () => {
		const fragment = roomKeyToFragment(roomKey);
		expect(fragment).toBe('rk=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8');
		expect(roomKeyFromFragment(`#${fragment}`)).toEqual(roomKey);
		expect(roomKeyFromFragment(fragment.slice(0, -5))).toBeNull();
		expect(roomKeyFromFragment('#k=abc')).toBeNull();
		expect(roomKeyFromFragment('')).toBeNull();
	});
});

/** Computed independently with Python's `cryptography` (HKDF-SHA256, AESGCM) from the steps in docs/encryption.md. */
const PINNED =
	'w1.sLGys7S1tre4ubq7M1fsWp_TLtaSbugKlvqzmi9R8dQ26W8RUIT421GLmVXh1KivEo2ybgH9GY124xQE';
