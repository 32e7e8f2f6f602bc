import { describe, expect, it } from 'vitest';
import { backoffDelay, pickProvider, type PickCandidate } from './pick';

const c = (id: string, priority: number, weight: number, healthy = true): PickCandidate => ({
	id,
	priority,
	weight,
	healthy
});

describe('pickProvider', () => {
	it('splits the best tier by weight', () => {
		const tier = [c('a', 0, 1), c('b', 0, 3), c('backup', 1, 100)];
		expect(pickProvider(tier, 0)).toBe('a');
		expect(pickProvider(tier, 0.249)).toBe('a');
		expect(pickProvider(tier, 0.25)).toBe('b');
		expect(pickProvider(tier, 0.999999)).toBe('b');
	});

	it('gives each provider its share over many draws', () => {
		const tier = [c('a', 0, 1), c('b', 0, 3)];
		const counts = { a: 0, b: 0 };
		for (let i = 0; i < 1000; i++) counts[pickProvider(tier, i / 1000) as 'a' | 'b']++;
		expect(counts).toEqual({ a: 250, b: 750 });
	});

	it('skips unhealthy providers within a tier', () => {
		expect(pickProvider([c('a', 0, 1, false), c('b', 0, 1)], 0)).toBe('b');
	});

	it('falls back to the next tier only when the whole tier is down', () => {
		const all = [c('a', 0, 1, false), c('b', 0, 1, false), c('c', 1, 1), c('d', 2, 1)];
		expect(pickProvider(all, 0.7)).toBe('c');
		expect(pickProvider([c('a', 0, 1, false), c('c', 1, 1, false), c('d', 2, 1)], 0.5)).toBe('d');
	});

	it('returns null when nothing is healthy', () => {
		expect(pickProvider([c('a', 0, 1, false)], 0.5)).toBeNull();
		expect(pickProvider([], 0.5)).toBeNull();
	});
});

describe('backoffDelay', () => {
	it('grows and then stays at the last delay', () => {
		expect([0, 1, 2, 10].map((n) => backoffDelay(n, [10, 20, 40]))).toEqual([10, 20, 40, 40]);
	});
});
