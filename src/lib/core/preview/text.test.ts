import { describe, expect, it } from 'vitest';
import { decodeTextPreview } from './text';

describe('decodeTextPreview', () => {
	it('drops a character cut in half by the limit instead of showing garbage', () => {
		const bytes = new TextEncoder().encode('ab€');
		expect(decodeTextPreview(bytes.subarray(0, 4), true).text).toBe('ab');
		expect(decodeTextPreview(bytes, true).text).toBe('ab€');
	});

	it('calls a file with NUL bytes binary', () => {
		expect(decodeTextPreview(new Uint8Array([65, 0, 66]), false).binary).toBe(true);
	});

	it('keeps markup as characters (the component renders it as text)', () => {
		expect(decodeTextPreview(new TextEncoder().encode('<b>x</b>'), false).text).toBe('<b>x</b>');
	});
});
