import { describe, expect, it } from 'vitest';
import { CryptoFormatError, isCryptoFormatError } from './errors';

describe('CryptoFormatError', () => {
	it('carries a code and is recognised by shape after structured cloning', () => {
		const error = new CryptoFormatError('truncated', 'short', { record: 3 });
		expect(error.code).toBe('truncated');
		expect(error.name).toBe('CryptoFormatError');
		expect(isCryptoFormatError(error)).toBe(true);
		const relayed = structuredClone({ code: error.code, message: error.message });
		expect(isCryptoFormatError(relayed)).toBe(true);
		expect(isCryptoFormatError(new Error('x'))).toBe(false);
		expect(isCryptoFormatError({ code: 'ENOENT' })).toBe(false);
	});
});
