import { describe, expect, it } from 'vitest';
import { handleMessage } from './messages';
import { isPrecachedPath, respondToNavigation } from './navigation';

describe('isPrecachedPath', () => {
	const paths = new Set(['/offline', '/manifest.webmanifest', '/docs/index.html', '/about.html']);

	it('steps aside for URLs the precache route answers, with or without a query', () => {
		expect(isPrecachedPath(new URL('http://x/offline'), paths)).toBe(true);
		expect(isPrecachedPath(new URL('http://x/offline?utm_source=a'), paths)).toBe(true);
		expect(isPrecachedPath(new URL('http://x/docs/'), paths)).toBe(true);
		expect(isPrecachedPath(new URL('http://x/about'), paths)).toBe(true);
	});

	it('handles everything else', () => {
		expect(isPrecachedPath(new URL('http://x/'), paths)).toBe(false);
		expect(isPrecachedPath(new URL('http://x/rooms/abc'), paths)).toBe(false);
	});
});

describe('respondToNavigation', () => {
	const offline = new Response('offline page');

	it('returns what the network answers, even an HTTP error', async () => {
		const answer = new Response('nope', { status: 500 });
		const response = await respondToNavigation(new Request('http://x/'), {
			fetch: () => Promise.resolve(answer),
			offlinePage: () => Promise.resolve(offline)
		});
		expect(response).toBe(answer);
	});

	it('falls back to the offline page when the request gets no answer', async () => {
		const response = await respondToNavigation(new Request('http://x/rooms/a'), {
			fetch: () => Promise.reject(new TypeError('Failed to fetch')),
			offlinePage: () => Promise.resolve(offline)
		});
		expect(response).toBe(offline);
	});

	it('rethrows the network error when the offline page is not cached', async () => {
		await expect(
			respondToNavigation(new Request('http://x/'), {
				fetch: () => Promise.reject(new TypeError('Failed to fetch')),
				offlinePage: () => Promise.resolve(undefined)
			})
		).rejects.toThrow('Failed to fetch');
	});
});

describe('handleMessage', () => {
	it('answers GET_VERSION with the same requestId', async () => {
		const reply = await handleMessage(
			{ type: 'GET_VERSION', requestId: 'r1' },
			{ version: 'v9', skipWaiting: () => Promise.resolve() }
		);
		expect(reply).toEqual({ type: 'VERSION', requestId: 'r1', version: 'v9' });
	});

	it('skips waiting for workbox-window SKIP_WAITING (no requestId, no reply)', async () => {
		let skipped = false;
		const reply = await handleMessage(
			{ type: 'SKIP_WAITING' },
			{ version: 'v9', skipWaiting: () => Promise.resolve(void (skipped = true)) }
		);
		expect(skipped).toBe(true);
		expect(reply).toBeNull();
	});

	it('answers an unknown request with an error code, and ignores junk without an id', async () => {
		const deps = { version: 'v9', skipWaiting: () => Promise.resolve() };
		expect(await handleMessage({ type: 'NOPE', requestId: 'r2' }, deps)).toEqual(
			expect.objectContaining({ type: 'ERROR', requestId: 'r2', code: 'unknown_message' })
		);
		expect(await handleMessage('hello', deps)).toBeNull();
	});
});
