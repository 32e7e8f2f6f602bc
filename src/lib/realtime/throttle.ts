/**
 * Per-key throttle with a leading and a trailing call: the first value goes out at once, values
 * arriving within `intervalMs` of the last send are coalesced, and the newest of them goes out
 * when the interval is over. So a key never sends more than once per interval, and the last
 * value pushed is never lost (a progress bar must end where the upload really is).
 */
export class KeyedThrottle<T> {
	readonly #intervalMs: number;
	readonly #send: (value: T) => void;
	readonly #keys = new Map<
		string,
		{ lastSentAt: number; pending: T | null; timer: ReturnType<typeof setTimeout> | null }
	>();

	constructor(intervalMs: number, send: (value: T) => void) {
		this.#intervalMs = intervalMs;
		this.#send = send;
	}

	push(key: string, value: T): void {
		let entry = this.#keys.get(key);
		if (!entry) {
			entry = { lastSentAt: Number.NEGATIVE_INFINITY, pending: null, timer: null };
			this.#keys.set(key, entry);
		}
		if (entry.timer !== null) {
			entry.pending = value;
			return;
		}
		const now = Date.now();
		const wait = entry.lastSentAt + this.#intervalMs - now;
		if (wait <= 0) {
			entry.lastSentAt = now;
			this.#send(value);
			return;
		}
		entry.pending = value;
		entry.timer = setTimeout(() => this.flush(key), wait);
	}

	/** Sends the coalesced value now, if any: before a message that must come after it (paused, completed). */
	flush(key: string): void {
		const entry = this.#keys.get(key);
		if (!entry) return;
		if (entry.timer !== null) clearTimeout(entry.timer);
		entry.timer = null;
		const value = entry.pending;
		entry.pending = null;
		if (value === null) return;
		entry.lastSentAt = Date.now();
		this.#send(value);
	}

	/** Forgets the key and whatever was waiting for it. */
	drop(key: string): void {
		const entry = this.#keys.get(key);
		if (entry?.timer != null) clearTimeout(entry.timer);
		this.#keys.delete(key);
	}

	dispose(): void {
		for (const key of [...this.#keys.keys()]) this.drop(key);
	}
}
