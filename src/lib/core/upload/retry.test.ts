import { describe, expect, it } from 'vitest';
import { TransferError, httpError } from '../errors';
import {
	CLOSED_BREAKER,
	DEFAULT_RETRY_POLICY,
	admitAttempt,
	backoffDelay,
	decideRetry,
	recordBreakerFailure,
	recordBreakerSuccess,
	releaseProbe,
	type BreakerPolicy,
	type BreakerState,
	type RetryPolicy
} from './retry';

const fixed = (value: number) => ({ next: () => value });
const policy: RetryPolicy = {
	delaysMs: [1000, 2000, 4000],
	maxAttempts: 5,
	jitter: 0.2,
	maxRetryAfterMs: 60_000
};

describe('decideRetry', () => {
	it('backs off exponentially per the delays, repeating the last one', () => {
		const delays = [1, 2, 3, 4].map((a) => backoffDelay(a, policy, fixed(0.5)));
		expect(delays).toEqual([1000, 2000, 4000, 4000]);
	});

	it('keeps jitter within +-jitter of the base delay', () => {
		for (const r of [0, 0.25, 0.5, 0.999]) {
			const d = decideRetry(new TransferError('network'), 2, policy, fixed(r)).delayMs;
			expect(d).toBeGreaterThanOrEqual(1600);
			expect(d).toBeLessThan(2400);
		}
		expect(decideRetry(new TransferError('timeout'), 1, policy, fixed(0)).delayMs).toBe(800);
	});

	it.each(['network', 'timeout', 'stalled'] as const)('retries %s', (code) => {
		expect(decideRetry(new TransferError(code), 1, policy, fixed(0.5))).toEqual({
			retry: true,
			delayMs: 1000,
			resign: false,
			countsAsFailure: true
		});
	});

	it('retries 5xx and 429, honouring Retry-After when it is longer than the backoff', () => {
		expect(decideRetry(httpError(500), 1, policy, fixed(0.5)).retry).toBe(true);
		expect(decideRetry(httpError(502), 1, policy, fixed(0.5)).retry).toBe(true);
		const slow = decideRetry(httpError(429, { retryAfterMs: 7000 }), 1, policy, fixed(0.5));
		expect(slow).toMatchObject({ retry: true, delayMs: 7000 });
		const short = decideRetry(httpError(429, { retryAfterMs: 10 }), 1, policy, fixed(0.5));
		expect(short.delayMs).toBe(1000);
	});

	it('caps an absurd Retry-After', () => {
		const d = decideRetry(httpError(429, { retryAfterMs: 9e9 }), 1, policy, fixed(0.5));
		expect(d.delayMs).toBe(60_000);
	});

	it.each([400, 401, 403, 404, 413])('does not retry HTTP %i', (status) => {
		expect(decideRetry(httpError(status), 1, policy, fixed(0.5)).retry).toBe(false);
	});

	it('re-signs at once on an expired URL, without counting a failure', () => {
		const err = new TransferError('url_expired', 'expired', { httpStatus: 403 });
		expect(decideRetry(err, 1, policy, fixed(0.5))).toEqual({
			retry: true,
			delayMs: 0,
			resign: true,
			countsAsFailure: false
		});
	});

	it('stops after maxAttempts', () => {
		expect(decideRetry(httpError(500), 4, policy, fixed(0.5)).retry).toBe(true);
		expect(decideRetry(httpError(500), 5, policy, fixed(0.5)).retry).toBe(false);
	});

	it('does not retry aborts, offline or file problems (the runner handles those)', () => {
		for (const code of ['aborted', 'offline', 'file_changed', 'file_unreadable'] as const) {
			expect(decideRetry(new TransferError(code), 1, DEFAULT_RETRY_POLICY, fixed(0)).retry).toBe(
				false
			);
		}
	});

	it('works on cloned error data (no prototype)', () => {
		const data = structuredClone({ code: 'http_5xx' as const });
		expect(decideRetry(data, 1, policy, fixed(0.5)).retry).toBe(true);
	});
});

describe('circuit breaker', () => {
	const bp: BreakerPolicy = { failureThreshold: 3, cooldownMs: 10_000, probePollMs: 500 };

	const fail = (s: BreakerState, times: number, now = 0): BreakerState => {
		for (let i = 0; i < times; i++) s = recordBreakerFailure(s, now, bp);
		return s;
	};

	it('stays closed below the threshold and resets on success', () => {
		const s = fail(CLOSED_BREAKER, 2);
		expect(s).toEqual({ status: 'closed', consecutiveFailures: 2 });
		expect(recordBreakerSuccess(s)).toEqual(CLOSED_BREAKER);
		expect(fail(recordBreakerSuccess(s), 2).status).toBe('closed');
	});

	it('opens after N consecutive failures and blocks until the cool-down ends', () => {
		const open = fail(CLOSED_BREAKER, 3, 1000);
		expect(open).toEqual({ status: 'open', until: 11_000 });
		expect(admitAttempt(open, 5000, bp)).toEqual({ admitted: false, waitMs: 6000, state: open });
		// A straggler failing while open does not extend it.
		expect(recordBreakerFailure(open, 9000, bp)).toBe(open);
	});

	it('half-opens with exactly one probe, closes on its success', () => {
		const open = fail(CLOSED_BREAKER, 3);
		const probe = admitAttempt(open, 10_000, bp);
		expect(probe).toMatchObject({ admitted: true, probe: true });
		const second = admitAttempt(probe.state, 10_001, bp);
		expect(second).toMatchObject({ admitted: false, waitMs: 500 });
		expect(recordBreakerSuccess(second.state)).toEqual(CLOSED_BREAKER);
	});

	it('re-opens when the probe fails', () => {
		const probe = admitAttempt(fail(CLOSED_BREAKER, 3), 10_000, bp);
		expect(recordBreakerFailure(probe.state, 12_000, bp)).toEqual({
			status: 'open',
			until: 22_000
		});
	});

	it('frees the probe slot when the probe is aborted', () => {
		const probe = admitAttempt(fail(CLOSED_BREAKER, 3), 10_000, bp);
		const released = releaseProbe(probe.state);
		expect(admitAttempt(released, 10_000, bp)).toMatchObject({ admitted: true, probe: true });
		expect(releaseProbe(CLOSED_BREAKER)).toBe(CLOSED_BREAKER);
	});
});
