/**
 * Choosing a provider for a new upload, as pure functions so tests can walk
 * every tier and weight without timers or randomness.
 */
export interface PickCandidate {
	id: string;
	priority: number;
	weight: number;
	healthy: boolean;
}

/**
 * Healthy providers of the best (lowest) priority that has any, then a
 * weighted draw. `random` is in [0, 1). Null when nothing is healthy.
 */
export function pickProvider(candidates: readonly PickCandidate[], random: number): string | null {
	const healthy = candidates.filter((c) => c.healthy && c.weight > 0);
	if (healthy.length === 0) return null;
	const best = Math.min(...healthy.map((c) => c.priority));
	const tier = healthy.filter((c) => c.priority === best);
	const total = tier.reduce((sum, c) => sum + c.weight, 0);
	let point = random * total;
	for (const candidate of tier) {
		point -= candidate.weight;
		if (point < 0) return candidate.id;
	}
	// Floating-point leftovers land on the last one rather than nowhere.
	return tier[tier.length - 1]?.id ?? null;
}

/** Waits between attempts while a provider is down: data, so tests read it. */
export const BACKOFF_DELAYS_MS = [500, 1_000, 2_000, 4_000, 8_000, 15_000] as const;

export function backoffDelay(
	attempt: number,
	delays: readonly number[] = BACKOFF_DELAYS_MS
): number {
	return delays[Math.min(attempt, delays.length - 1)] ?? 0;
}
