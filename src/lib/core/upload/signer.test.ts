import { describe, expect, it } from 'vitest';
import { PartSigner, type CachedUrl } from './signer';
import type { UploadApi } from '../../ports';
import { FakeClock, FakeServer } from './testing/fakes';

function setup(upcoming: number[] = [], batchSize = 5, answerAfterMs = 0) {
	const clock = new FakeClock(0);
	const server = new FakeServer(clock);
	server.uploads.set('u', {
		uploadId: 'u',
		fileId: 'f',
		state: 'active',
		size: 1000,
		partSize: 10,
		partCount: 100,
		stored: new Map(),
		confirmed: new Map(),
		file: null
	});
	const cache = new Map<number, CachedUrl>();
	const slow: Pick<UploadApi, 'signParts'> = {
		async signParts(uploadId, input) {
			await clock.sleep(answerAfterMs);
			return server.signParts(uploadId, input);
		}
	};
	const signer = new PartSigner({
		api: answerAfterMs > 0 ? slow : server,
		uploadId: 'u',
		clock,
		options: { batchSize, expiryMarginMs: 1000 },
		cache,
		upcoming: () => upcoming,
		signal: new AbortController().signal
	});
	return { clock, server, signer, cache };
}

describe('PartSigner', () => {
	it('caps the expiry margin at a quarter of the URL lifetime, so short-lived URLs are used', async () => {
		const { server, signer, clock } = setup();
		server.urlTtlMs = 60_000;
		const signerWithBigMargin = new PartSigner({
			api: server,
			uploadId: 'u',
			clock,
			options: { batchSize: 5, expiryMarginMs: 120_000 },
			cache: new Map(),
			upcoming: () => [],
			signal: new AbortController().signal
		});
		await signerWithBigMargin.get(1, undefined);
		await signerWithBigMargin.get(1, undefined);
		expect(server.calls.sign).toHaveLength(1);
		// Re-signed once within the last quarter (15 s) of its 60 s life.
		await clock.advance(46_000);
		expect(signerWithBigMargin.isExpired(1)).toBe(true);
		expect(signer.isExpired(1)).toBe(false);
	});

	it('shares a batch with a part it signs as upcoming, when that part is asked for before the answer', async () => {
		const { server, signer, clock } = setup([2, 3, 4], 5, 100);
		const first = signer.get(1, undefined);
		await clock.advance(50);
		// Part 3 rides along in part 1's request (still under way): no second request for it.
		const third = signer.get(3, undefined);
		await clock.advance(100);
		await Promise.all([first, third]);
		expect(server.calls.sign.map((c) => c.partNumbers)).toEqual([[1, 2, 3, 4]]);
	});

	it('shares one request between a part signed ahead and the PUT asking for the same URL', async () => {
		const { server, signer } = setup();
		const ahead = signer.get(7, 'c2FtZQ==');
		await Promise.resolve();
		const put = signer.get(7, 'c2FtZQ==');
		expect((await put).signed.url).toBe((await ahead).signed.url);
		expect(server.calls.sign).toHaveLength(1);
	});

	it('signs requests made in the same tick in one call, plus upcoming parts', async () => {
		const { server, signer } = setup([3, 4, 5, 6, 7, 8]);
		const [a, b] = await Promise.all([signer.get(1, undefined), signer.get(2, undefined)]);
		expect(a.signed.partNumber).toBe(1);
		expect(b.signed.partNumber).toBe(2);
		expect(server.calls.sign.map((c) => c.partNumbers)).toEqual([[1, 2, 3, 4, 5]]);
		await signer.get(3, undefined);
		expect(server.calls.sign).toHaveLength(1);
	});

	it('never asks for more than the batch size (and never more than 100)', async () => {
		const { server, signer } = setup([], 500);
		await Promise.all(Array.from({ length: 150 }, (_, i) => signer.get(i + 1, undefined)));
		expect(server.calls.sign.map((c) => c.partNumbers.length)).toEqual([100, 50]);
	});

	it('does not pre-sign when URLs pin checksums', async () => {
		const { server, signer } = setup([2, 3]);
		const url = await signer.get(1, 'c2lnbg==');
		expect(server.calls.sign).toEqual([{ partNumbers: [1], checksums: { 1: 'c2lnbg==' } }]);
		expect(url.signed.headers['x-amz-checksum-sha256']).toBe('c2lnbg==');
	});

	it('re-signs a URL within the expiry margin, or pinned to another checksum', async () => {
		const { clock, server, signer } = setup();
		server.urlTtlMs = 10_000;
		await signer.get(1, 'YQ==');
		await signer.get(1, 'YQ==');
		expect(server.calls.sign).toHaveLength(1);
		await signer.get(1, 'Yg==');
		expect(server.calls.sign).toHaveLength(2);
		await clock.advance(9_500);
		expect(signer.isExpired(1)).toBe(true);
		await signer.get(1, 'Yg==');
		expect(server.calls.sign).toHaveLength(3);
	});

	it('rejects every waiter of a failed batch', async () => {
		const { server, signer } = setup();
		server.failures.sign = [new Error('boom')];
		const results = await Promise.allSettled([signer.get(1, undefined), signer.get(2, undefined)]);
		expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
	});
});
