import { describe, expect, it } from 'vitest';
import { loginUrl, safeNext } from './next';

describe('safeNext', () => {
	it('keeps same-site paths', () => {
		expect(safeNext('/invite/abc')).toBe('/invite/abc');
		expect(safeNext('/rooms/x?tab=files')).toBe('/rooms/x?tab=files');
	});

	it('refuses anything that could leave the site', () => {
		for (const next of ['https://evil.example', '//evil.example', '/\\evil.example', 'javascript:alert(1)', '', null]) {
			expect(safeNext(next)).toBe('/');
		}
	});

	it('builds a sign-in URL that returns to the page', () => {
		expect(loginUrl(new URL('http://x/invite/abc?x=1'))).toBe('/login?next=%2Finvite%2Fabc%3Fx%3D1');
	});
});
