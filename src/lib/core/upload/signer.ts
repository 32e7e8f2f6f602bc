import { TransferError } from '../errors';
import type { Clock, SignedPartUrl, UploadApi } from '../../ports';

/** API limit on part numbers per sign request. */
export const MAX_SIGN_BATCH = 100;

export interface CachedUrl {
	readonly signed: SignedPartUrl;
	readonly expiresAtMs: number;
	/** The checksum the URL pins (undefined when none); a different one needs a new URL. */
	readonly checksum: string | undefined;
	/**
	 * Re-sign this long before expiry: the configured margin, capped at a quarter of the URL's
	 * lifetime (a 60 s margin on a 60 s URL would re-sign every URL before its first use).
	 */
	readonly marginMs?: number;
}

export interface SignerOptions {
	readonly batchSize: number;
	readonly expiryMarginMs: number;
}

interface Waiter {
	resolve: (url: CachedUrl) => void;
	reject: (error: unknown) => void;
}

/**
 * Signs part URLs shortly before use. Requests made in the same microtask share one API call.
 * When URLs pin no checksum we also sign the next few pending parts (`upcoming`) in that call,
 * so a steady upload costs one sign request per `batchSize` parts. With checksums that is
 * impossible: a part's URL can only be signed after the part was hashed.
 */
export class PartSigner {
	readonly #api: Pick<UploadApi, 'signParts'>;
	readonly #uploadId: string;
	readonly #clock: Clock;
	readonly #options: SignerOptions;
	readonly #cache: Map<number, CachedUrl>;
	readonly #upcoming: () => Iterable<number>;
	readonly #signal: AbortSignal;
	#queue = new Map<number, { checksum: string | undefined; waiters: Waiter[] }>();
	/** Requests under way, so a part signed ahead and its PUT share one URL. */
	#inflight = new Map<number, { checksum: string | undefined; promise: Promise<CachedUrl> }>();
	#flushScheduled = false;

	constructor(init: {
		api: Pick<UploadApi, 'signParts'>;
		uploadId: string;
		clock: Clock;
		options: SignerOptions;
		/** Shared across runs so a pause does not waste URLs that are still good. */
		cache: Map<number, CachedUrl>;
		upcoming: () => Iterable<number>;
		signal: AbortSignal;
	}) {
		this.#api = init.api;
		this.#uploadId = init.uploadId;
		this.#clock = init.clock;
		this.#options = {
			...init.options,
			batchSize: Math.min(init.options.batchSize, MAX_SIGN_BATCH)
		};
		this.#cache = init.cache;
		this.#upcoming = init.upcoming;
		this.#signal = init.signal;
	}

	#usable(cached: CachedUrl | undefined, checksum: string | undefined): cached is CachedUrl {
		return (
			cached !== undefined &&
			cached.checksum === checksum &&
			cached.expiresAtMs - (cached.marginMs ?? this.#options.expiryMarginMs) > this.#clock.now()
		);
	}

	/** A URL whose expiry has passed (or is within the margin) counts as expired. */
	isExpired(partNumber: number): boolean {
		const cached = this.#cache.get(partNumber);
		return cached !== undefined && !this.#usable(cached, cached.checksum);
	}

	invalidate(partNumber: number): void {
		this.#cache.delete(partNumber);
		this.#inflight.delete(partNumber);
	}

	get(partNumber: number, checksum: string | undefined): Promise<CachedUrl> {
		const cached = this.#cache.get(partNumber);
		if (this.#usable(cached, checksum)) return Promise.resolve(cached);
		const inflight = this.#inflight.get(partNumber);
		if (inflight && inflight.checksum === checksum) return inflight.promise;
		return this.#track(partNumber, checksum, this.#request(partNumber, checksum));
	}

	/** Marks a request under way, so a get() for the same part and checksum shares it. */
	#track(partNumber: number, checksum: string | undefined, promise: Promise<CachedUrl>) {
		this.#inflight.set(partNumber, { checksum, promise });
		const settle = (): void => {
			if (this.#inflight.get(partNumber)?.promise === promise) this.#inflight.delete(partNumber);
		};
		promise.then(settle, settle);
		return promise;
	}

	#request(partNumber: number, checksum: string | undefined): Promise<CachedUrl> {
		return new Promise<CachedUrl>((resolve, reject) => {
			const entry = this.#queue.get(partNumber) ?? { checksum, waiters: [] };
			entry.checksum = checksum;
			entry.waiters.push({ resolve, reject });
			this.#queue.set(partNumber, entry);
			if (!this.#flushScheduled) {
				this.#flushScheduled = true;
				void Promise.resolve().then(() => this.#flush());
			}
		});
	}

	async #flush(): Promise<void> {
		this.#flushScheduled = false;
		const queue = this.#queue;
		this.#queue = new Map();
		const requested = [...queue.keys()].sort((a, b) => a - b);
		const withChecksums = [...queue.values()].some((e) => e.checksum !== undefined);
		const batches: number[][] = [];
		for (let i = 0; i < requested.length; i += this.#options.batchSize) {
			batches.push(requested.slice(i, i + this.#options.batchSize));
		}
		const last = batches[batches.length - 1];
		if (last && !withChecksums) {
			for (const n of this.#upcoming()) {
				if (last.length >= this.#options.batchSize) break;
				if (queue.has(n) || this.#usable(this.#cache.get(n), undefined)) continue;
				last.push(n);
				// Under way from now: a get() for it before the answer shares this request.
				const ahead = new Promise<CachedUrl>((resolve, reject) =>
					queue.set(n, { checksum: undefined, waiters: [{ resolve, reject }] })
				);
				ahead.catch(() => {});
				if (!this.#inflight.has(n)) void this.#track(n, undefined, ahead);
			}
		}
		await Promise.all(batches.map((batch) => this.#signBatch(batch, queue)));
	}

	async #signBatch(
		partNumbers: number[],
		queue: Map<number, { checksum: string | undefined; waiters: Waiter[] }>
	): Promise<void> {
		const checksums: Record<number, string> = {};
		for (const n of partNumbers) {
			const c = queue.get(n)?.checksum;
			if (c !== undefined) checksums[n] = c;
		}
		const input = Object.keys(checksums).length > 0 ? { partNumbers, checksums } : { partNumbers };
		try {
			const { parts } = await this.#api.signParts(this.#uploadId, input, this.#signal);
			const fresh = new Map<number, CachedUrl>();
			const now = this.#clock.now();
			for (const signed of parts) {
				const expiresAtMs = Date.parse(signed.expiresAt);
				const lifetimeMs = Math.max(0, expiresAtMs - now);
				const cached: CachedUrl = {
					signed,
					expiresAtMs,
					checksum: checksums[signed.partNumber],
					marginMs: Math.min(this.#options.expiryMarginMs, lifetimeMs / 4)
				};
				fresh.set(signed.partNumber, cached);
				this.#cache.set(signed.partNumber, cached);
			}
			for (const n of partNumbers) {
				const cached = fresh.get(n);
				for (const w of queue.get(n)?.waiters ?? []) {
					if (cached) w.resolve(cached);
					else w.reject(new TransferError('server_rejected', `part ${n} was not signed`));
				}
			}
		} catch (error) {
			for (const n of partNumbers) for (const w of queue.get(n)?.waiters ?? []) w.reject(error);
		}
	}
}
