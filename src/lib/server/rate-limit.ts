/**
 * Fixed-window failure counters kept in memory: enough for one server process.
 * `check` tells whether a key is blocked and for how long; `fail` counts a
 * failure; `reset` forgets a key after a success.
 */
export class RateLimiter {
	private readonly windows = new Map<string, { count: number; resetAt: number }>();

	constructor(
		private readonly limit: number,
		private readonly windowMs: number,
		private readonly now: () => number = Date.now
	) {}

	/** Seconds until the key may try again, or 0 when it is not blocked. */
	retryAfterSeconds(key: string): number {
		const entry = this.windows.get(key);
		const now = this.now();
		if (!entry || entry.resetAt <= now) return 0;
		return entry.count >= this.limit ? Math.ceil((entry.resetAt - now) / 1000) : 0;
	}

	/** Counts one attempt; returns the seconds to wait if this attempt went over the limit. */
	hit(key: string): number {
		const now = this.now();
		let entry = this.windows.get(key);
		if (!entry || entry.resetAt <= now) {
			entry = { count: 0, resetAt: now + this.windowMs };
			this.windows.set(key, entry);
		}
		entry.count += 1;
		if (this.windows.size > 100_000) this.prune(now);
		return entry.count > this.limit ? Math.ceil((entry.resetAt - now) / 1000) : 0;
	}

	reset(key: string): void {
		this.windows.delete(key);
	}

	private prune(now: number): void {
		for (const [key, entry] of this.windows) if (entry.resetAt <= now) this.windows.delete(key);
	}
}
