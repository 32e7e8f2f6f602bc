import { describe, expect, it } from 'vitest';
import { decodeBase64url, encodeBase64url } from './base64url';
import { pattern } from './test-fixtures';

describe('base64url', () => {
	it('matches the RFC 4648 alphabet without padding', () => {
		expect(encodeBase64url(new Uint8Array([0xfb, 0xff, 0xbf]))).toBe('-_-_');
		expect(encodeBase64url(new TextEncoder().encode('f'))).toBe('Zg');
		expect(encodeBase64url(new TextEncoder().encode('fo'))).toBe('Zm8');
		expect(encodeBase64url(new TextEncoder().encode('foo'))).toBe('Zm9v');
		expect(encodeBase64url(new Uint8Array())).toBe('');
	});

	it('round-trips every length up to 40', () => {
		for (let length = 0; length <= 40; length++) {
			const bytes = pattern(length, 200);
			expect(decodeBase64url(encodeBase64url(bytes))).toEqual(bytes);
		}
	});

	it('refuses padding, foreign characters, impossible lengths and stray low bits', () => {
		expect(decodeBase64url('Zg==')).toBeNull();
		expect(decodeBase64url('Zm9v+/')).toBeNull();
		expect(decodeBase64url('Z')).toBeNull();
		expect(decodeBase64url('Zh')).toBeNull(); // 'Zg' with a set bit past the last byte
	});
});
