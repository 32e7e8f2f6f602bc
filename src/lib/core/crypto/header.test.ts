import { describe, expect, it } from 'vitest';
import { createHeader, headerAad, parseHeader } from './header';
import { KAT_NONCE_BASE, hex } from './test-fixtures';

const valid = {
	version: 1,
	recordSize: 65536,
	nonceBase: '8PHy8_T19vf4-fr7',
	plaintextSize: 123
};

function codeOf(run: () => unknown): string | undefined {
	try {
		run();
	} catch (error) {
		return (error as { code?: string }).code;
	}
	return undefined;
}

describe('createHeader', () => {
	it('defaults to 64 KiB records and a fresh random nonce base', () => {
		const a = createHeader({ plaintextSize: 5 });
		const b = createHeader({ plaintextSize: 5 });
		expect(a.recordSize).toBe(65536);
		expect(a.version).toBe(1);
		expect(a.nonceBase).toMatch(/^[A-Za-z0-9_-]{16}$/);
		expect(a.nonceBase).not.toBe(b.nonceBase);
	});

	it('encodes a pinned nonce base as base64url', () => {
		expect(createHeader({ plaintextSize: 0, nonceBase: KAT_NONCE_BASE }).nonceBase).toBe(
			valid.nonceBase
		);
	});
});

describe('parseHeader', () => {
	it('accepts a valid header and survives a JSON round trip', () => {
		expect(parseHeader(JSON.parse(JSON.stringify(valid)))).toEqual(valid);
		expect(Object.isFrozen(parseHeader(valid))).toBe(true);
	});

	it('accepts the bounds of every field', () => {
		for (const recordSize of [4096, 8192, 16 * 1024 * 1024]) {
			expect(parseHeader({ ...valid, recordSize }).recordSize).toBe(recordSize);
		}
		expect(parseHeader({ ...valid, plaintextSize: 0 }).plaintextSize).toBe(0);
		expect(parseHeader({ ...valid, plaintextSize: 2 ** 52 }).plaintextSize).toBe(2 ** 52);
	});

	it.each([
		['null', null],
		['a string', JSON.stringify(valid)],
		['an array', [valid]],
		['a missing field', { version: 1, recordSize: 65536, plaintextSize: 1 }],
		['an unknown field (a key must never ride along)', { ...valid, key: 'AAAA' }],
		['version 2', { ...valid, version: 2 }],
		['version as string', { ...valid, version: '1' }],
		['record size not a power of two', { ...valid, recordSize: 65535 }],
		['record size below 4 KiB', { ...valid, recordSize: 2048 }],
		['record size above 16 MiB', { ...valid, recordSize: 32 * 1024 * 1024 }],
		['record size as string', { ...valid, recordSize: '65536' }],
		['nonce base too short', { ...valid, nonceBase: '8PHy8_T19vf4-fr' }],
		['nonce base too long', { ...valid, nonceBase: '8PHy8_T19vf4-fr7AA' }],
		['nonce base in standard base64', { ...valid, nonceBase: '8PHy8/T19vf4+fr7' }],
		['nonce base padded', { ...valid, nonceBase: '8PHy8_T19vf4-fr7==' }],
		['negative size', { ...valid, plaintextSize: -1 }],
		['fractional size', { ...valid, plaintextSize: 1.5 }],
		['size beyond 2^52', { ...valid, plaintextSize: 2 ** 52 + 1 }],
		['size NaN', { ...valid, plaintextSize: Number.NaN }],
		['size as string', { ...valid, plaintextSize: '123' }]
	])('rejects %s', (_, input) => {
		expect(codeOf(() => parseHeader(input))).toBe('invalid_header');
	});
});

describe('headerAad', () => {
	it('is the fixed 33-byte encoding of every header field', () => {
		const header = parseHeader({ ...valid, plaintextSize: 2 ** 40 + 0x01020304 });
		expect(hex(headerAad(header))).toBe(
			'6665727279656e63' + '01' + '00010000' + 'f0f1f2f3f4f5f6f7f8f9fafb' + '0000010001020304'
		);
	});
});
