/**
 * Adaptive part concurrency, AIMD-style. Pure: callers pass in timestamps and keep the state.
 *
 * One "round" is as many completed parts as the current concurrency. At the end of a round we
 * compare its aggregate throughput with the previous round's:
 *  - better by more than `gainThreshold` -> one more part in parallel (additive increase);
 *  - latency grew by `latencyGrowth`x without that gain -> one fewer (we only built a queue);
 *  - the last step was up and bought nothing -> step back down and hold;
 *  - otherwise hold, and probe upwards again after `probeAfterRounds` quiet rounds.
 * A failure halves concurrency (multiplicative decrease), at most once per `decreaseCooldownMs`
 * so a burst of parts failing together from one network blip counts once.
 */

export interface ConcurrencyPolicy {
	readonly initial: number;
	readonly min: number;
	readonly max: number;
	readonly gainThreshold: number;
	readonly latencyGrowth: number;
	readonly probeAfterRounds: number;
	readonly decreaseCooldownMs: number;
}

// Start where a browser's raw parallel PUTs already saturate a fast link (6, Chromium's
// connections per host on HTTP/1.1) and let the rounds probe up to 10 (HTTP/2, or storage on
// several hosts); a slow or lossy link halves it on the first failures.
export const DEFAULT_CONCURRENCY_POLICY: ConcurrencyPolicy = {
	initial: 6,
	min: 1,
	max: 10,
	gainThreshold: 0.05,
	latencyGrowth: 1.5,
	probeAfterRounds: 4,
	decreaseCooldownMs: 5_000
};

export interface PartSample {
	readonly bytes: number;
	readonly latencyMs: number;
	/** When the part finished. */
	readonly at: number;
}

interface RoundSummary {
	readonly concurrency: number;
	/** Bytes per millisecond. */
	readonly throughput: number;
	readonly latencyMs: number;
}

export type ConcurrencyStep = 'up' | 'down' | 'hold' | 'failure' | null;

export interface ConcurrencyState {
	readonly current: number;
	readonly roundStartedAt: number;
	readonly roundBytes: number;
	readonly roundParts: number;
	readonly roundLatencyMs: number;
	readonly previous: RoundSummary | null;
	readonly lastStep: ConcurrencyStep;
	readonly quietRounds: number;
	readonly lastDecreaseAt: number | null;
}

function clamp(value: number, policy: ConcurrencyPolicy): number {
	return Math.max(policy.min, Math.min(policy.max, value));
}

function newRound(
	state: ConcurrencyState,
	current: number,
	at: number,
	patch: Partial<ConcurrencyState>
): ConcurrencyState {
	return {
		...state,
		...patch,
		current,
		roundStartedAt: at,
		roundBytes: 0,
		roundParts: 0,
		roundLatencyMs: 0
	};
}

export function createConcurrencyState(policy: ConcurrencyPolicy, now: number): ConcurrencyState {
	return {
		current: clamp(policy.initial, policy),
		roundStartedAt: now,
		roundBytes: 0,
		roundParts: 0,
		roundLatencyMs: 0,
		previous: null,
		lastStep: null,
		quietRounds: 0,
		lastDecreaseAt: null
	};
}

/** Restart measuring without forgetting the level, e.g. after a pause (idle time is no signal). */
export function restartRound(state: ConcurrencyState, now: number): ConcurrencyState {
	return newRound(state, state.current, now, { previous: null });
}

export function recordPartSuccess(
	state: ConcurrencyState,
	sample: PartSample,
	policy: ConcurrencyPolicy
): ConcurrencyState {
	const acc: ConcurrencyState = {
		...state,
		roundBytes: state.roundBytes + sample.bytes,
		roundParts: state.roundParts + 1,
		roundLatencyMs: state.roundLatencyMs + sample.latencyMs
	};
	if (acc.roundParts < acc.current) return acc;

	const summary: RoundSummary = {
		concurrency: acc.current,
		throughput: acc.roundBytes / Math.max(1, sample.at - acc.roundStartedAt),
		latencyMs: acc.roundLatencyMs / acc.roundParts
	};
	const prev = acc.previous;
	const c = acc.current;
	const hold = (): ConcurrencyState =>
		newRound(acc, c, sample.at, {
			previous: summary,
			lastStep: 'hold',
			quietRounds: acc.quietRounds + 1
		});
	const up = (): ConcurrencyState =>
		c >= policy.max
			? hold()
			: newRound(acc, c + 1, sample.at, { previous: summary, lastStep: 'up', quietRounds: 0 });
	const down = (step: ConcurrencyStep): ConcurrencyState =>
		newRound(acc, clamp(c - 1, policy), sample.at, {
			previous: summary,
			lastStep: step,
			quietRounds: 0
		});

	if (prev === null) return up();
	const gained = summary.throughput > prev.throughput * (1 + policy.gainThreshold);
	if (gained) return up();
	if (summary.latencyMs > prev.latencyMs * policy.latencyGrowth) return down('down');
	if (acc.lastStep === 'up') return down('hold');
	if (acc.quietRounds + 1 >= policy.probeAfterRounds) return up();
	return hold();
}

export function recordPartFailure(
	state: ConcurrencyState,
	at: number,
	policy: ConcurrencyPolicy
): ConcurrencyState {
	if (state.lastDecreaseAt !== null && at - state.lastDecreaseAt < policy.decreaseCooldownMs) {
		return state;
	}
	return newRound(state, clamp(Math.floor(state.current / 2), policy), at, {
		previous: null,
		lastStep: 'failure',
		quietRounds: 0,
		lastDecreaseAt: at
	});
}
