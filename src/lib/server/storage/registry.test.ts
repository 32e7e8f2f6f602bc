import { describe, expect, it } from 'vitest';
import { StorageError } from './errors';
import { StorageRegistry } from './registry';
import type { HealthResult, StorageProvider } from './types';

/** Only healthCheck is exercised here; the rest of the contract has its own suite. */
function fakeProvider(state: { ok: boolean; checks: number }): StorageProvider {
	return {
		kind: 'local',
		healthCheck: async (): Promise<HealthResult> => {
			state.checks++;
			return state.ok
				? { ok: true, latencyMs: 1 }
				: { ok: false, latencyMs: 1, error: 'disk gone' };
		}
	} as unknown as StorageProvider;
}

function setup(random = () => 0) {
	const a = { ok: true, checks: 0 };
	const b = { ok: true, checks: 0 };
	const c = { ok: true, checks: 0 };
	const registry = new StorageRegistry(
		[
			{ id: 'a', priority: 0, weight: 1, provider: fakeProvider(a) },
			{ id: 'b', priority: 0, weight: 1, provider: fakeProvider(b) },
			{ id: 'c', priority: 1, weight: 1, provider: fakeProvider(c) }
		],
		{ random, sleep: async () => {}, backoffDelaysMs: [0, 0, 0] }
	);
	return { registry, a, b, c };
}

describe('StorageRegistry', () => {
	it('treats providers as healthy until a check says otherwise', () => {
		const { registry } = setup();
		expect(registry.pickProviderForNewUpload().id).toBe('a');
		expect(registry.listProviderHealth().map((h) => h.healthy)).toEqual([null, null, null]);
	});

	it('moves new uploads within the tier, then to the next tier, then refuses', async () => {
		const { registry, a, b, c } = setup();
		a.ok = false;
		await registry.checkAll();
		expect(registry.pickProviderForNewUpload().id).toBe('b');
		b.ok = false;
		await registry.reportFailure('b');
		expect(registry.pickProviderForNewUpload().id).toBe('c');
		c.ok = false;
		await registry.checkAll();
		expect(() => registry.pickProviderForNewUpload()).toThrow(
			expect.objectContaining({ code: 'no_healthy_provider' })
		);
		a.ok = true;
		await registry.reportFailure('a');
		expect(registry.pickProviderForNewUpload().id).toBe('a');
		expect(registry.listProviderHealth().find((h) => h.id === 'b')).toMatchObject({
			healthy: false,
			lastError: 'disk gone'
		});
	});

	it('shares one health check between concurrent reports', async () => {
		const { registry, a } = setup();
		await Promise.all([
			registry.reportFailure('a'),
			registry.reportFailure('a'),
			registry.reportFailure('a')
		]);
		expect(a.checks).toBe(1);
	});

	it('keeps in-flight uploads on their provider and names unknown ids', () => {
		const { registry } = setup();
		expect(registry.getProvider('c').kind).toBe('local');
		expect(() => registry.getProvider('zz')).toThrow(
			expect.objectContaining({ code: 'unknown_provider' })
		);
	});

	it('withBackoff retries "unavailable" a bounded number of times and reports the failure', async () => {
		const { registry, b } = setup();
		let calls = 0;
		const result = await registry.withBackoff('b', async () => {
			calls++;
			if (calls < 3) throw new StorageError('unavailable', 'down');
			return 'done';
		});
		expect(result).toBe('done');
		expect(b.checks).toBeGreaterThan(0);
		calls = 0;
		await expect(
			registry.withBackoff(
				'b',
				async () => {
					calls++;
					throw new StorageError('unavailable', 'down');
				},
				3
			)
		).rejects.toMatchObject({ code: 'unavailable' });
		expect(calls).toBe(3);
	});

	it('withBackoff passes other errors straight through', async () => {
		const { registry } = setup();
		let calls = 0;
		await expect(
			registry.withBackoff('a', async () => {
				calls++;
				throw new StorageError('invalid_part', 'bad');
			})
		).rejects.toMatchObject({ code: 'invalid_part' });
		expect(calls).toBe(1);
	});
});
