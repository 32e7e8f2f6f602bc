import { describe, expect, it } from 'vitest';
import { runScheduler } from './scheduler';

function deferred(): { promise: Promise<void>; resolve: () => void } {
	let resolve: () => void = () => {};
	const promise = new Promise<void>((r) => (resolve = r));
	return { promise, resolve };
}

const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

describe('runScheduler', () => {
	it('starts the next part as soon as a task releases its slot, and waits for every task', async () => {
		const started: number[] = [];
		const bookkeeping = new Map<number, ReturnType<typeof deferred>>();
		let settled = false;
		const done = runScheduler({
			queue: [1, 2, 3],
			limit: () => 1,
			scope: new AbortController(),
			task: async (n, release) => {
				started.push(n);
				// The PUT is done: free the slot, then finish slow bookkeeping (part-done, store).
				release();
				const rest = deferred();
				bookkeeping.set(n, rest);
				await rest.promise;
			}
		}).then(() => (settled = true));
		await tick();
		expect(started).toEqual([1, 2, 3]);
		expect(settled).toBe(false);
		for (const rest of bookkeeping.values()) rest.resolve();
		await done;
		expect(settled).toBe(true);
	});

	it('never has more than limit() tasks holding a slot', async () => {
		let holding = 0;
		let most = 0;
		await runScheduler({
			queue: Array.from({ length: 12 }, (_, i) => i + 1),
			limit: () => 3,
			scope: new AbortController(),
			task: async (n, release) => {
				holding++;
				most = Math.max(most, holding);
				await new Promise((r) => setTimeout(r, n % 3));
				holding--;
				if (n % 2 === 0) release();
			}
		});
		expect(most).toBeLessThanOrEqual(3);
		expect(most).toBeGreaterThan(1);
	});
});
