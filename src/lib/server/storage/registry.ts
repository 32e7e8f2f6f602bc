import { StorageError, isRetryableStorageError } from './errors';
import { BACKOFF_DELAYS_MS, backoffDelay, pickProvider } from './pick';
import type { StorageProvider } from './types';

/**
 * Several providers at once: health-checked on a timer, new uploads spread by
 * priority and weight, uploads in flight pinned to the provider they started
 * on. Knows nothing of the database; an admin page reads listProviderHealth().
 */

export interface RegisteredProvider {
	id: string;
	priority: number;
	weight: number;
	provider: StorageProvider;
}

export interface ProviderHealth {
	id: string;
	kind: StorageProvider['kind'];
	priority: number;
	weight: number;
	/** Null until the first check: such a provider is treated as healthy. */
	healthy: boolean | null;
	lastCheckAt: Date | null;
	lastLatencyMs: number | null;
	lastError: string | null;
}

export interface RegistryOptions {
	healthCheckIntervalMs?: number;
	random?: () => number;
	sleep?: (ms: number) => Promise<void>;
	backoffDelaysMs?: readonly number[];
	onHealthChange?: (health: ProviderHealth) => void;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class StorageRegistry {
	readonly #entries: Map<string, RegisteredProvider>;
	readonly #health = new Map<string, ProviderHealth>();
	readonly #inFlight = new Map<string, Promise<ProviderHealth>>();
	readonly #options: Required<Omit<RegistryOptions, 'onHealthChange'>> &
		Pick<RegistryOptions, 'onHealthChange'>;
	#timer: ReturnType<typeof setInterval> | null = null;

	constructor(entries: RegisteredProvider[], options: RegistryOptions = {}) {
		if (entries.length === 0)
			throw new StorageError('misconfigured', 'Configure at least one storage provider.');
		this.#entries = new Map(entries.map((entry) => [entry.id, entry]));
		this.#options = {
			healthCheckIntervalMs: options.healthCheckIntervalMs ?? 60_000,
			random: options.random ?? Math.random,
			sleep: options.sleep ?? defaultSleep,
			backoffDelaysMs: options.backoffDelaysMs ?? BACKOFF_DELAYS_MS,
			onHealthChange: options.onHealthChange
		};
		for (const entry of entries) {
			this.#health.set(entry.id, {
				id: entry.id,
				kind: entry.provider.kind,
				priority: entry.priority,
				weight: entry.weight,
				healthy: null,
				lastCheckAt: null,
				lastLatencyMs: null,
				lastError: null
			});
		}
	}

	/** Checks every provider now and then on the interval; the timer never keeps the process alive. */
	start(): Promise<void> {
		if (!this.#timer) {
			this.#timer = setInterval(() => void this.checkAll(), this.#options.healthCheckIntervalMs);
			this.#timer.unref();
		}
		return this.checkAll();
	}

	stop(): void {
		if (this.#timer) clearInterval(this.#timer);
		this.#timer = null;
	}

	async checkAll(): Promise<void> {
		await Promise.all([...this.#entries.keys()].map((id) => this.check(id)));
	}

	/** One check per provider at a time: concurrent callers share it. */
	check(id: string): Promise<ProviderHealth> {
		const running = this.#inFlight.get(id);
		if (running) return running;
		const entry = this.#entry(id);
		const run = entry.provider
			.healthCheck()
			.catch((error: unknown) => ({ ok: false, latencyMs: 0, error: String(error) }))
			.then((result) => {
				const before = this.#health.get(id);
				const health: ProviderHealth = {
					...(before as ProviderHealth),
					healthy: result.ok,
					lastCheckAt: new Date(),
					lastLatencyMs: Math.round(result.latencyMs),
					lastError: result.ok ? null : (result.error ?? 'health check failed')
				};
				this.#health.set(id, health);
				if (before?.healthy !== health.healthy) this.#options.onHealthChange?.(health);
				return health;
			})
			.finally(() => this.#inFlight.delete(id));
		this.#inFlight.set(id, run);
		return run;
	}

	/** An operation failed in a way that may mean the provider is down: check it now. */
	reportFailure(id: string): Promise<ProviderHealth> {
		return this.check(id);
	}

	pickProviderForNewUpload(): { id: string; provider: StorageProvider } {
		const candidates = [...this.#health.values()].map((h) => ({
			id: h.id,
			priority: h.priority,
			weight: h.weight,
			healthy: h.healthy !== false
		}));
		const id = pickProvider(candidates, this.#options.random());
		if (id === null)
			throw new StorageError(
				'no_healthy_provider',
				'No storage provider is healthy; new uploads cannot start. See listProviderHealth() for the errors.'
			);
		return { id, provider: this.#entry(id).provider };
	}

	getProvider(id: string): StorageProvider {
		return this.#entry(id).provider;
	}

	listProviderHealth(): ProviderHealth[] {
		return [...this.#health.values()].map((h) => ({ ...h }));
	}

	/**
	 * Runs `fn` against the provider an upload lives on, waiting with backoff
	 * while it is unavailable (an in-flight upload cannot move elsewhere).
	 * Other errors are the caller's and pass straight through.
	 */
	async withBackoff<T>(
		id: string,
		fn: (provider: StorageProvider) => Promise<T>,
		maxAttempts = this.#options.backoffDelaysMs.length + 1
	): Promise<T> {
		const provider = this.getProvider(id);
		for (let attempt = 0; ; attempt++) {
			try {
				return await fn(provider);
			} catch (error) {
				if (!isRetryableStorageError(error) || attempt + 1 >= maxAttempts) throw error;
				void this.reportFailure(id);
				await this.#options.sleep(backoffDelay(attempt, this.#options.backoffDelaysMs));
			}
		}
	}

	#entry(id: string): RegisteredProvider {
		const entry = this.#entries.get(id);
		if (!entry)
			throw new StorageError(
				'unknown_provider',
				`No storage provider with id "${id}" is configured.`,
				{ providerId: id }
			);
		return entry;
	}
}
