import { describe, expect, it } from 'vitest';
import { TransferError, httpError } from '../errors';
import { DEFAULT_CONCURRENCY_POLICY } from './adaptive';
import { DEFAULT_BREAKER_POLICY, DEFAULT_RETRY_POLICY } from './retry';
import { FakeFile } from './testing/fakes';
import { createHarness, record } from './testing/harness';

describe('TransferRunner: failures and retries', () => {
	it('retries a 5xx with backoff and then succeeds', async () => {
		const h = createHarness(20);
		h.sender.script(2, { fail: httpError(502) }, { fail: httpError(500) });
		const runner = h.runner();
		const events = record(runner);
		await h.clock.run(runner.start());
		expect(runner.state.status).toBe('done');
		const part2 = h.sender.calls.filter((c) => c.partNumber === 2);
		expect(part2).toHaveLength(3);
		// random = 0.5 -> no jitter: 1000 ms then 2000 ms.
		expect(part2[1]!.at - part2[0]!.at).toBe(1000);
		expect(part2[2]!.at - part2[1]!.at).toBe(2000);
		expect(events.errors.map((e) => [e.error.code, e.willRetry, e.delayMs])).toEqual([
			['http_5xx', true, 1000],
			['http_5xx', true, 2000]
		]);
	});

	it('waits as long as Retry-After says on 429', async () => {
		const h = createHarness(10);
		h.sender.script(1, { fail: httpError(429, { retryAfterMs: 12_000 }) });
		const runner = h.runner();
		await h.clock.run(runner.start());
		const [first, second] = h.sender.calls;
		expect(second!.at - first!.at).toBe(12_000);
	});

	it('does not retry a 400: the transfer fails and siblings stop', async () => {
		const h = createHarness(40);
		h.sender.script(1, { fail: httpError(400) });
		h.sender.script(2, 'hang');
		const runner = h.runner();
		const events = record(runner);
		await h.clock.run(runner.start());
		expect(runner.state).toMatchObject({ status: 'failed', error: { code: 'http_4xx' } });
		expect(h.sender.calls.filter((c) => c.partNumber === 1)).toHaveLength(1);
		expect(events.errors[0]).toMatchObject({ willRetry: false, partNumber: 1 });
		expect(h.server.calls.complete).toHaveLength(0);
		expect(h.server.calls.abort).toHaveLength(0);
	});

	it('re-signs and retries at once when the sender reports url_expired', async () => {
		const h = createHarness(20);
		h.sender.script(2, { fail: new TransferError('url_expired', 'expired', { httpStatus: 403 }) });
		const runner = h.runner();
		const events = record(runner);
		await h.clock.run(runner.start());
		expect(runner.state.status).toBe('done');
		expect(events.errors.map((e) => e.error.code)).toEqual(['url_expired']);
		const part2 = h.sender.calls.filter((c) => c.partNumber === 2);
		expect(part2).toHaveLength(2);
		expect(part2[0]!.url).not.toBe(part2[1]!.url);
		expect(part2[1]!.at).toBe(part2[0]!.at);
	});

	it('treats a bare 403 as url_expired when our URL is past its expiry', async () => {
		const h = createHarness(10);
		h.server.urlTtlMs = 1_000;
		h.sender.script(1, { delayMs: 2_000, fail: httpError(403) });
		const runner = h.runner({ urlExpiryMarginMs: 0 });
		const events = record(runner);
		await h.clock.run(runner.start());
		expect(runner.state.status).toBe('done');
		expect(events.errors.map((e) => [e.error.code, e.error.httpStatus])).toEqual([
			['url_expired', 403]
		]);
		expect(h.server.calls.sign).toHaveLength(2);
	});

	it('does not retry a 403 while the URL is still valid (signature mismatch)', async () => {
		const h = createHarness(10);
		h.sender.script(1, { fail: httpError(403) });
		const runner = h.runner();
		await h.clock.run(runner.start());
		expect(runner.state).toMatchObject({ status: 'failed', error: { httpStatus: 403 } });
	});

	it('re-signs a cached URL that is within the expiry margin instead of using it', async () => {
		const h = createHarness(20);
		h.server.urlTtlMs = 60_000;
		h.sender.script(1, { delayMs: 59_000 });
		const runner = h.runner({
			concurrency: { ...DEFAULT_CONCURRENCY_POLICY, initial: 1 },
			urlExpiryMarginMs: 30_000
		});
		const events = record(runner);
		await h.clock.run(runner.start());
		expect(events.errors).toEqual([]);
		expect(h.server.calls.sign.map((s) => s.partNumbers)).toEqual([[1, 2], [2]]);
	});

	it('aborts a stalled part after the stall timeout and retries it', async () => {
		const h = createHarness(10);
		h.sender.script(1, { stallAfter: 3 });
		const runner = h.runner({ stallTimeoutMs: 30_000 });
		const events = record(runner);
		await h.clock.run(runner.start());
		expect(runner.state.status).toBe('done');
		expect(events.errors.map((e) => e.error.code)).toEqual(['stalled']);
		const [first, second] = h.sender.calls;
		expect(second!.at - first!.at).toBe(30_000 + 1_000);
	});

	it('gives up after maxAttempts', async () => {
		const h = createHarness(10);
		h.sender.script(1, ...Array.from({ length: 3 }, () => ({ fail: httpError(503) })));
		const runner = h.runner({ retry: { ...DEFAULT_RETRY_POLICY, maxAttempts: 3 } });
		await h.clock.run(runner.start());
		expect(runner.state).toMatchObject({ status: 'failed', error: { code: 'rate_limited' } });
		expect(h.sender.calls).toHaveLength(3);
	});

	it('opens the circuit after consecutive failures, probes after the cool-down, then closes', async () => {
		const h = createHarness(40);
		const fail = { fail: new TransferError('network') };
		for (let i = 0; i < 4; i++) h.sender.everyone.push(fail);
		const breaker = { ...DEFAULT_BREAKER_POLICY, failureThreshold: 4, cooldownMs: 60_000 };
		const runner = h.runner({ breaker });
		const start = h.clock.now();
		await h.clock.run(runner.start());
		expect(runner.state.status).toBe('done');
		const calls = h.sender.calls.map((c) => c.at - start);
		// 4 parallel failures open the breaker; nothing is sent for 60 s; one probe goes first.
		expect(calls.slice(0, 4)).toEqual([0, 0, 0, 0]);
		expect(calls[4]).toBe(60_000);
		expect(calls.slice(5).every((t) => t >= 60_000)).toBe(true);
		expect(h.sender.calls).toHaveLength(8);
	});

	it('moves to waiting-for-file when the file cannot be read, and continues after replaceFile', async () => {
		const h = createHarness(20);
		h.file.readError = new TransferError('file_unreadable', 'NotReadableError');
		const runner = h.runner({ checksumAlgorithm: 'SHA256' });
		const events = record(runner);
		await h.clock.run(runner.start());
		expect(runner.state).toMatchObject({
			status: 'waiting-for-file',
			error: { code: 'file_unreadable' }
		});
		expect(events.errors).toEqual([]);
		h.file.readError = null;
		runner.replaceFile(h.file);
		await h.clock.run(runner.resume());
		expect(runner.state.status).toBe('done');
		expect(h.server.calls.create).toHaveLength(1);
	});

	it('rejects a replacement file that is not the same file', () => {
		const h = createHarness(20);
		const runner = h.runner();
		expect(() => runner.replaceFile(new FakeFile(21))).toThrow(
			expect.objectContaining({ code: 'file_changed' })
		);
	});

	it('halves concurrency when a part fails, and counts a burst of failures once', async () => {
		const h = createHarness(80);
		for (let n = 1; n <= 4; n++) h.sender.script(n, { fail: httpError(500) });
		const runner = h.runner({ concurrency: { ...DEFAULT_CONCURRENCY_POLICY, initial: 4 } });
		expect(runner.stats.concurrency).toBe(4);
		void runner.start();
		await h.clock.advance(0);
		expect(runner.stats.concurrency).toBe(2);
		await h.clock.run(runner.resume());
		expect(runner.state.status).toBe('done');
	});
});
