import { describe, expect, it } from 'vitest';
import {
	DEFAULT_CONCURRENCY_POLICY,
	createConcurrencyState,
	recordPartFailure,
	recordPartSuccess,
	type ConcurrencyPolicy,
	type ConcurrencyState
} from './adaptive';

const policy: ConcurrencyPolicy = {
	initial: 4,
	min: 1,
	max: 8,
	gainThreshold: 0.05,
	latencyGrowth: 1.5,
	probeAfterRounds: 3,
	decreaseCooldownMs: 5_000
};

/**
 * Simulates one round: `current` parts of `bytes` each finish together after `latencyMs`,
 * on a link whose aggregate throughput is `throughput(c)` bytes/ms.
 */
function round(
	state: ConcurrencyState,
	at: { t: number },
	throughput: (c: number) => number,
	latency: (c: number) => number = () => 1000,
	using: ConcurrencyPolicy = policy
): ConcurrencyState {
	const c = state.current;
	const bytes = 1000;
	const duration = (c * bytes) / throughput(c);
	at.t += duration;
	for (let i = 0; i < c; i++) {
		state = recordPartSuccess(state, { bytes, latencyMs: latency(c), at: at.t }, using);
	}
	return state;
}

describe('adaptive concurrency', () => {
	it('starts at the initial value and does nothing mid-round', () => {
		const s = createConcurrencyState(policy, 0);
		expect(s.current).toBe(4);
		const after = recordPartSuccess(s, { bytes: 1, latencyMs: 1, at: 10 }, policy);
		expect(after.current).toBe(4);
	});

	it('raises concurrency while aggregate throughput keeps improving, up to max', () => {
		const at = { t: 0 };
		let s = createConcurrencyState(policy, 0);
		const seen: number[] = [];
		for (let i = 0; i < 10; i++) {
			s = round(s, at, (c) => c * 10); // every extra part adds bandwidth
			seen.push(s.current);
		}
		expect(seen.slice(0, 4)).toEqual([5, 6, 7, 8]);
		expect(Math.max(...seen)).toBe(8);
	});

	it('with the default policy, starts at 6 parallel parts and reaches 10 on a link that scales', () => {
		const at = { t: 0 };
		let s = createConcurrencyState(DEFAULT_CONCURRENCY_POLICY, 0);
		expect(s.current).toBe(6);
		const seen: number[] = [];
		for (let i = 0; i < 8; i++) {
			s = round(s, at, (c) => c * 10, undefined, DEFAULT_CONCURRENCY_POLICY);
			seen.push(s.current);
		}
		expect(seen.slice(0, 4)).toEqual([7, 8, 9, 10]);
		expect(Math.max(...seen)).toBe(10);
	});

	it('steps back when an increase buys no throughput, then holds', () => {
		const at = { t: 0 };
		let s = createConcurrencyState(policy, 0);
		const link = (c: number) => Math.min(c, 5) * 10; // saturates at 5 parts
		const seen: number[] = [];
		for (let i = 0; i < 4; i++) {
			s = round(s, at, link);
			seen.push(s.current);
		}
		expect(seen).toEqual([5, 6, 5, 5]);
	});

	it('lowers concurrency when latency grows without a throughput gain', () => {
		const at = { t: 0 };
		let s = createConcurrencyState({ ...policy, initial: 6 }, 0);
		s = round(
			s,
			at,
			() => 50,
			() => 1000
		);
		expect(s.current).toBe(7);
		s = round(
			s,
			at,
			() => 50,
			() => 2000
		);
		expect(s.current).toBe(6);
	});

	it('halves on failure, at most once per cool-down, never below min', () => {
		let s = createConcurrencyState({ ...policy, initial: 8 }, 0);
		s = recordPartFailure(s, 1000, policy);
		expect(s.current).toBe(4);
		s = recordPartFailure(s, 2000, policy); // same blip
		expect(s.current).toBe(4);
		s = recordPartFailure(s, 7000, policy);
		s = recordPartFailure(s, 13_000, policy);
		s = recordPartFailure(s, 19_000, policy);
		expect(s.current).toBe(1);
	});

	it('probes upwards again after quiet rounds', () => {
		const at = { t: 0 };
		let s = createConcurrencyState(policy, 0);
		const link = (c: number) => Math.min(c, 5) * 10;
		const seen: number[] = [];
		for (let i = 0; i < 8; i++) {
			s = round(s, at, link);
			seen.push(s.current);
		}
		expect(seen).toContain(6);
		expect(seen.filter((c) => c === 6).length).toBeGreaterThanOrEqual(2);
		expect(Math.max(...seen)).toBe(6);
	});
});
