import { describe, expect, it } from 'vitest';
import { recordNonce } from './nonce';
import { KAT_NONCE_BASE, hex } from './test-fixtures';

describe('recordNonce', () => {
	it('XORs the big-endian index into the last 8 bytes and the last flag into byte 0', () => {
		expect(hex(recordNonce(KAT_NONCE_BASE, 0, false))).toBe('f0f1f2f3f4f5f6f7f8f9fafb');
		expect(hex(recordNonce(KAT_NONCE_BASE, 1, false))).toBe('f0f1f2f3f4f5f6f7f8f9fafa');
		expect(hex(recordNonce(KAT_NONCE_BASE, 0, true))).toBe('f1f1f2f3f4f5f6f7f8f9fafb');
		expect(hex(recordNonce(KAT_NONCE_BASE, 0x0102030405, true))).toBe('f1f1f2f3f4f5f6f6fafafefe');
		expect(hex(recordNonce(KAT_NONCE_BASE, Number.MAX_SAFE_INTEGER, false))).toBe(
			'f0f1f2f3f4ea090807060504'
		);
	});

	it('gives every (index, last) pair its own nonce', () => {
		const seen = new Set<string>();
		for (let index = 0; index < 1000; index++) {
			seen.add(hex(recordNonce(KAT_NONCE_BASE, index, false)));
			seen.add(hex(recordNonce(KAT_NONCE_BASE, index, true)));
		}
		expect(seen.size).toBe(2000);
	});

	it('does not modify the base', () => {
		const base = KAT_NONCE_BASE.slice();
		recordNonce(base, 12345, true);
		expect(base).toEqual(KAT_NONCE_BASE);
	});

	it('refuses negative, fractional and unsafe indices', () => {
		expect(() => recordNonce(KAT_NONCE_BASE, -1, false)).toThrow(RangeError);
		expect(() => recordNonce(KAT_NONCE_BASE, 0.5, false)).toThrow(RangeError);
		expect(() => recordNonce(KAT_NONCE_BASE, 2 ** 53, false)).toThrow(RangeError);
		expect(() => recordNonce(new Uint8Array(8), 0, false)).toThrow(RangeError);
	});
});
