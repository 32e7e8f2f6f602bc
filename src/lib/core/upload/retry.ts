import type { TransferErrorCode } from '../errors';
import type { Random } from '../../ports';

/**
 * Retry policy as data (tus `retryDelays` style) so it can be tuned and tested without timers.
 * `delaysMs[i]` is the base delay before attempt i + 2; past the end the last entry repeats.
 */
export interface RetryPolicy {
	readonly delaysMs: readonly number[];
	/** Total attempts per part, the first one included. */
	readonly maxAttempts: number;
	/** 0.2 -> each delay is scaled by a uniform factor in [0.8, 1.2). */
	readonly jitter: number;
	/** A server asking for more than this is treated as this (a bad header must not park us). */
	readonly maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
	delaysMs: [1_000, 2_000, 4_000, 8_000, 16_000, 30_000],
	maxAttempts: 8,
	jitter: 0.2,
	maxRetryAfterMs: 300_000
};

export interface RetryDecision {
	readonly retry: boolean;
	readonly delayMs: number;
	/** Throw away the presigned URL and sign again before the next attempt. */
	readonly resign: boolean;
	/** Counts towards the circuit breaker and lowers concurrency. */
	readonly countsAsFailure: boolean;
}

/** What decideRetry needs from an error; TransferError and its cloned data both fit. */
export interface RetryableError {
	readonly code: TransferErrorCode;
	readonly retryAfterMs?: number;
}

const BACKOFF_CODES: ReadonlySet<TransferErrorCode> = new Set([
	'network',
	'timeout',
	'stalled',
	'http_5xx',
	'rate_limited'
]);

const NO_RETRY: RetryDecision = { retry: false, delayMs: 0, resign: false, countsAsFailure: true };

export function backoffDelay(attempt: number, policy: RetryPolicy, random: Random): number {
	const { delaysMs } = policy;
	const base = delaysMs[Math.min(attempt - 1, delaysMs.length - 1)] ?? 0;
	const factor = 1 - policy.jitter + 2 * policy.jitter * random.next();
	return Math.round(base * factor);
}

/**
 * `attempt` is the 1-based number of the attempt that just failed.
 * Other 4xx are not retried: sending the same request again cannot fix it.
 */
export function decideRetry(
	error: RetryableError,
	attempt: number,
	policy: RetryPolicy,
	random: Random
): RetryDecision {
	if (attempt >= policy.maxAttempts) return NO_RETRY;
	if (error.code === 'url_expired') {
		// Expiry is expected on long transfers, not a sign of trouble: sign again, go at once.
		return { retry: true, delayMs: 0, resign: true, countsAsFailure: false };
	}
	if (!BACKOFF_CODES.has(error.code)) return NO_RETRY;
	let delayMs = backoffDelay(attempt, policy, random);
	if (error.code === 'rate_limited' && error.retryAfterMs !== undefined) {
		delayMs = Math.max(delayMs, Math.min(error.retryAfterMs, policy.maxRetryAfterMs));
	}
	return { retry: true, delayMs, resign: false, countsAsFailure: true };
}

// ---- Circuit breaker -----------------------------------------------------------------------

/**
 * When every part is failing (storage down, proxy broken), per-part retries would keep
 * hammering it. After `failureThreshold` consecutive failures across parts the breaker opens:
 * nobody starts an attempt for `cooldownMs`; then one probe runs and decides.
 */
export interface BreakerPolicy {
	readonly failureThreshold: number;
	readonly cooldownMs: number;
	/** How often blocked parts look again while a probe is out. */
	readonly probePollMs: number;
}

export const DEFAULT_BREAKER_POLICY: BreakerPolicy = {
	failureThreshold: 5,
	cooldownMs: 30_000,
	probePollMs: 1_000
};

export type BreakerState =
	| { readonly status: 'closed'; readonly consecutiveFailures: number }
	| { readonly status: 'open'; readonly until: number }
	| { readonly status: 'half-open'; readonly probeInFlight: boolean };

export const CLOSED_BREAKER: BreakerState = { status: 'closed', consecutiveFailures: 0 };

export type BreakerAdmission =
	| { readonly admitted: true; readonly probe: boolean; readonly state: BreakerState }
	| { readonly admitted: false; readonly waitMs: number; readonly state: BreakerState };

export function admitAttempt(
	state: BreakerState,
	now: number,
	policy: BreakerPolicy
): BreakerAdmission {
	switch (state.status) {
		case 'closed':
			return { admitted: true, probe: false, state };
		case 'open':
			if (now < state.until) return { admitted: false, waitMs: state.until - now, state };
			return { admitted: true, probe: true, state: { status: 'half-open', probeInFlight: true } };
		case 'half-open':
			if (state.probeInFlight) return { admitted: false, waitMs: policy.probePollMs, state };
			return { admitted: true, probe: true, state: { status: 'half-open', probeInFlight: true } };
	}
}

/** Any success proves the path works again. */
export function recordBreakerSuccess(_state: BreakerState): BreakerState {
	return CLOSED_BREAKER;
}

export function recordBreakerFailure(
	state: BreakerState,
	now: number,
	policy: BreakerPolicy
): BreakerState {
	switch (state.status) {
		case 'closed': {
			const consecutiveFailures = state.consecutiveFailures + 1;
			return consecutiveFailures >= policy.failureThreshold
				? { status: 'open', until: now + policy.cooldownMs }
				: { status: 'closed', consecutiveFailures };
		}
		case 'half-open':
			return { status: 'open', until: now + policy.cooldownMs };
		case 'open':
			// Stragglers that started before the breaker opened must not extend the cool-down.
			return state;
	}
}

/** A probe that ended without a verdict (paused, aborted) frees the slot for the next one. */
export function releaseProbe(state: BreakerState): BreakerState {
	return state.status === 'half-open' ? { status: 'half-open', probeInFlight: false } : state;
}
