/** Test doubles for the download ports. Test-only: never imported by production code. */
import { TransferError } from '../../errors';
import type { Clock, Random } from '../../../ports';
import type { DownloadStore, DownloadUrlSource, DownloadWriter, RangeFetcher } from '../types';

/** Sleeps resolve on the next turn, so retries with delays run at once. */
export class InstantClock implements Clock {
	#now = Date.parse('2030-01-01T00:00:00Z');
	now(): number {
		return (this.#now += 10);
	}
	sleep(_ms: number, signal?: AbortSignal): Promise<void> {
		return new Promise((resolve, reject) => {
			if (signal?.aborted) return reject(signal.reason);
			setTimeout(resolve, 0);
		});
	}
}

export const halfRandom: Random = { next: () => 0.5 };

export class FakeUrls implements DownloadUrlSource {
	issued = 0;
	refreshes = 0;
	async getUrl(refresh: boolean): Promise<string> {
		if (refresh) this.refreshes += 1;
		this.issued += 1;
		return `https://storage.test/object?v=${this.issued}`;
	}
}

type Fault = (url: string, start: number) => TransferError | null;

/**
 * Serves ranges of `object`. `gate` holds every request until released, to catch the
 * download with requests in flight; `fault` scripts failures.
 */
export class FakeFetcher implements RangeFetcher {
	readonly requests: { url: string; start: number; end: number }[] = [];
	inFlight = 0;
	maxInFlight = 0;
	fault: Fault = () => null;
	#gate: Promise<void> | null = null;
	#open: (() => void) | null = null;

	constructor(private readonly object: Uint8Array<ArrayBuffer>) {}

	/** Requests after the first `passFirst` wait at the gate. */
	passFirst = 0;
	hold(passFirst = 0): void {
		this.passFirst = passFirst;
		this.#gate = new Promise((resolve) => (this.#open = resolve));
	}
	release(): void {
		this.#open?.();
		this.#gate = null;
	}

	async fetchRange(
		url: string,
		start: number,
		end: number,
		signal: AbortSignal,
		onProgress: (loaded: number) => void
	): Promise<Uint8Array<ArrayBuffer>> {
		this.requests.push({ url, start, end });
		this.inFlight += 1;
		this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
		try {
			const gate = this.#gate;
			if (gate && this.requests.length > this.passFirst) {
				await new Promise<void>((resolve, reject) => {
					signal.addEventListener('abort', () => reject(new TransferError('aborted')), {
						once: true
					});
					void gate.then(resolve);
				});
			}
			await new Promise((resolve) => setTimeout(resolve, 0));
			signal.throwIfAborted();
			const fault = this.fault(url, start);
			if (fault) throw fault;
			onProgress(end - start);
			return this.object.slice(start, end);
		} finally {
			this.inFlight -= 1;
		}
	}
}

export class MemoryWriter implements DownloadWriter {
	readonly bytes: Uint8Array<ArrayBuffer>;
	readonly positions: number[] = [];
	closed = false;
	aborted = false;
	constructor(
		size: number,
		readonly mode: 'offset' | 'sequential'
	) {
		this.bytes = new Uint8Array(size);
	}
	async write(position: number, bytes: Uint8Array<ArrayBuffer>): Promise<void> {
		if (this.mode === 'sequential') {
			const expected = this.positions.length === 0 ? 0 : this.#end;
			if (position !== expected) throw new Error(`out of order: ${position} after ${expected}`);
		}
		this.positions.push(position);
		this.#end = position + bytes.length;
		this.bytes.set(bytes, position);
	}
	#end = 0;
	async close(): Promise<void> {
		this.closed = true;
	}
	async abort(): Promise<void> {
		this.aborted = true;
	}
}

/** An offset writer whose writes only count once checkpointed (like a swap file). */
export class CheckpointWriter extends MemoryWriter {
	checkpoints = 0;
	constructor(size: number) {
		super(size, 'offset');
	}
	async checkpoint(): Promise<void> {
		this.checkpoints += 1;
	}
}

export class MemoryDownloadStore implements DownloadStore {
	readonly done = new Map<string, Set<number>>();
	async loadDone(id: string): Promise<readonly number[]> {
		return [...(this.done.get(id) ?? [])];
	}
	async markDone(id: string, index: number): Promise<void> {
		const set = this.done.get(id) ?? new Set<number>();
		set.add(index);
		this.done.set(id, set);
	}
	async forgetRanges(id: string): Promise<void> {
		this.done.delete(id);
	}
	async clear(id: string): Promise<void> {
		this.done.delete(id);
	}
}
