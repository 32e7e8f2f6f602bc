import { TransferError, toTransferErrorData } from '../errors';
import { ProgressModel } from '../upload/progress';
import { DEFAULT_RETRY_POLICY, decideRetry } from '../upload/retry';
import { DEFAULT_CHECKPOINT_MIN_BYTES, shouldCheckpoint } from './checkpoint';
import { plannedSize } from './plan';
import {
	canCheckpoint,
	type DownloadEvents,
	type DownloadOptions,
	type DownloadPorts,
	type DownloadProgress,
	type DownloadRange,
	type DownloadState
} from './types';

export const DEFAULT_DOWNLOAD_OPTIONS: DownloadOptions = {
	concurrency: 5,
	retry: DEFAULT_RETRY_POLICY,
	sequentialWindow: 8
};

const PAUSED = 'paused';
const CANCELLED = 'cancelled';
const FAILED = 'failed';

/**
 * One file's download: ranges fetched in parallel with retry, transformed (decrypted), written
 * at their offsets or in order, and remembered in the store so a restart skips them.
 * Pause aborts the requests in flight (like Uppy's pause = abort); their ranges go back to the
 * queue and are fetched again on resume. Nothing written is ever fetched twice.
 */
export class Downloader {
	readonly #id: string;
	readonly #ranges: readonly DownloadRange[];
	readonly #ports: DownloadPorts;
	readonly #events: DownloadEvents;
	readonly #options: DownloadOptions;
	readonly #progress: ProgressModel;
	readonly #checkpointMinBytes: number;

	#state: DownloadState = { status: 'idle' };
	#todo: number[] = [];
	#written = new Set<number>();
	/** Sequential writers: finished ranges waiting for their turn. */
	#buffered = new Map<number, Uint8Array<ArrayBuffer>>();
	#nextWrite = 0;
	#wake: (() => void) | null = null;
	#writeChain: Promise<void> = Promise.resolve();
	/** Written since the last checkpoint, not yet in the store. */
	#uncommitted: number[] = [];
	#uncommittedBytes = 0;
	#committedBytes = 0;
	#url: Promise<string> | null = null;
	#controller: AbortController | null = null;
	#running: Promise<void> | null = null;

	constructor(
		id: string,
		ranges: readonly DownloadRange[],
		ports: DownloadPorts,
		events: DownloadEvents,
		options: Partial<DownloadOptions> & { checkpointMinBytes?: number } = {}
	) {
		this.#id = id;
		this.#ranges = ranges;
		this.#ports = ports;
		this.#events = events;
		this.#options = { ...DEFAULT_DOWNLOAD_OPTIONS, ...options };
		this.#checkpointMinBytes = options.checkpointMinBytes ?? DEFAULT_CHECKPOINT_MIN_BYTES;
		this.#progress = new ProgressModel(plannedSize(ranges), ranges.length);
	}

	get state(): DownloadState {
		return this.#state;
	}

	progress(): DownloadProgress {
		const p = this.#progress.snapshot();
		return {
			totalBytes: p.totalBytes,
			bytesDone: p.bytesConfirmed,
			bytesInFlight: p.bytesInFlight,
			speedBps: p.speedBps,
			etaMs: p.etaMs,
			rangesDone: p.partsDone,
			rangeCount: p.partCount
		};
	}

	/**
	 * Starts (or, after a restart, continues) the download and resolves when it ends: done,
	 * paused, cancelled or failed (see `state`). Sequential writers cannot continue a stream
	 * that was closed, so they always start from the first range.
	 */
	async start(): Promise<void> {
		if (this.#state.status !== 'idle') throw new Error('a download starts once');
		const { writer, store } = this.#ports;
		const done = new Set(writer.mode === 'offset' ? await store.loadDone(this.#id) : []);
		if (writer.mode === 'offset' && writer.resume) {
			const committed = this.#ranges
				.filter((range) => done.has(range.index))
				.map((range) => [range.writeStart, range.writeEnd] as const);
			if (!(await writer.resume(committed)) && done.size > 0) {
				done.clear();
				await store.forgetRanges(this.#id);
			}
		}
		let doneBytes = 0;
		for (const range of this.#ranges) {
			if (done.has(range.index)) {
				this.#written.add(range.index);
				doneBytes += range.writeEnd - range.writeStart;
			} else this.#todo.push(range.index);
		}
		this.#committedBytes = doneBytes;
		this.#progress.seedConfirmed(doneBytes, done.size);
		this.#nextWrite = this.#todo[0] ?? this.#ranges.length;
		return this.#runOnce();
	}

	/** Stops fetching; ranges in flight are dropped and fetched again on resume. */
	async pause(): Promise<void> {
		if (this.#state.status !== 'running') return;
		this.#controller?.abort(PAUSED);
		await this.#running;
	}

	resume(): Promise<void> {
		const { status } = this.#state;
		if (status !== 'paused' && status !== 'failed') return this.#running ?? Promise.resolve();
		this.#progress.resetSpeed();
		return this.#runOnce();
	}

	async cancel(): Promise<void> {
		const status = this.#state.status;
		if (status === 'done' || status === 'cancelled') return;
		this.#controller?.abort(CANCELLED);
		await this.#running?.catch(() => {});
		this.#buffered.clear();
		await this.#ports.writer.abort('cancelled').catch(() => {});
		await this.#ports.store.clear(this.#id).catch(() => {});
		this.#setState({ status: 'cancelled' });
	}

	#setState(state: DownloadState): void {
		this.#state = state;
		this.#events.state(state);
	}

	#emitProgress(): void {
		this.#events.progress(this.progress());
	}

	#runOnce(): Promise<void> {
		const controller = new AbortController();
		this.#controller = controller;
		this.#setState({ status: 'running' });
		this.#running = this.#run(controller.signal);
		return this.#running;
	}

	async #run(signal: AbortSignal): Promise<void> {
		const workers = Array.from({ length: Math.max(1, this.#options.concurrency) }, () =>
			this.#worker(signal)
		);
		if (this.#buffered.size > 0)
			void this.#enqueueWrite(() => this.#flushSequential(signal)).catch(() => {});
		const results = await Promise.allSettled(workers);
		const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
		try {
			await this.#writeChain;
			if (signal.aborted && signal.reason === PAUSED) {
				await this.#checkpoint();
				this.#setState({ status: 'paused' });
				return;
			}
			// Cancel sets its own state once the writer is dropped.
			if (signal.aborted && signal.reason === CANCELLED) return;
			if (failure) throw failure.reason;
			if (this.#written.size !== this.#ranges.length) throw new Error('ranges left unwritten');
			await this.#ports.writer.close();
			await this.#ports.store.clear(this.#id).catch(() => {});
			this.#emitProgress();
			this.#setState({ status: 'done' });
		} catch (error) {
			if (signal.aborted && signal.reason !== FAILED) return;
			this.#controller?.abort(FAILED);
			// Whatever was written stays usable for a later resume.
			await this.#checkpoint().catch(() => {});
			this.#setState({ status: 'failed', error: toTransferErrorData(error) });
		}
	}

	/** Next range to fetch; 'wait' when a sequential writer's window is full. */
	#take(): DownloadRange | 'wait' | null {
		const index = this.#todo[0];
		if (index === undefined) return null;
		if (
			this.#ports.writer.mode === 'sequential' &&
			index >= this.#nextWrite + this.#options.sequentialWindow
		) {
			return 'wait';
		}
		this.#todo.shift();
		return this.#ranges[index]!;
	}

	#waitForWrite(signal: AbortSignal): Promise<void> {
		return new Promise<void>((resolve) => {
			const previous = this.#wake;
			this.#wake = () => {
				previous?.();
				resolve();
			};
			signal.addEventListener('abort', () => resolve(), { once: true });
		});
	}

	#notify(): void {
		const wake = this.#wake;
		this.#wake = null;
		wake?.();
	}

	async #worker(signal: AbortSignal): Promise<void> {
		for (;;) {
			if (signal.aborted) return;
			const next = this.#take();
			if (next === null) return;
			if (next === 'wait') {
				await this.#waitForWrite(signal);
				continue;
			}
			try {
				await this.#fetchRange(next, signal);
			} catch (error) {
				// Back in the queue, in order, for the next run.
				this.#todo.push(next.index);
				this.#todo.sort((a, b) => a - b);
				this.#progress.dropInFlight(next.index);
				if (signal.aborted) return;
				this.#controller?.abort(FAILED);
				throw error;
			}
		}
	}

	/** Shares one URL among the ranges; the first that finds it expired asks for a new one. */
	#getUrl(stale: string | null): Promise<string> {
		if (this.#url === null || stale !== null) {
			const current = this.#url;
			this.#url = (async () => {
				const previous = current ? await current.catch(() => null) : null;
				if (previous !== null && stale !== null && previous !== stale) return previous;
				return this.#ports.urls.getUrl(stale !== null);
			})();
			const attempt = this.#url;
			// A failed request for a URL must not poison the next attempt.
			attempt.catch(() => {
				if (this.#url === attempt) this.#url = null;
			});
		}
		return this.#url;
	}

	async #fetchRange(range: DownloadRange, signal: AbortSignal): Promise<void> {
		const { fetcher, transform, clock, random } = this.#ports;
		const fetchLength = range.fetchEnd - range.fetchStart;
		const writeLength = range.writeEnd - range.writeStart;
		const scale = fetchLength === 0 ? 0 : writeLength / fetchLength;
		let stale: string | null = null;
		for (let attempt = 1; ; attempt++) {
			signal.throwIfAborted();
			try {
				const url = await this.#getUrl(stale);
				stale = null;
				this.#events.rangeRequested?.(range, attempt);
				const bytes = await fetcher.fetchRange(
					url,
					range.fetchStart,
					range.fetchEnd,
					signal,
					(loaded) => {
						this.#progress.setInFlight(range.index, Math.floor(loaded * scale), clock.now());
					}
				);
				if (bytes.length !== fetchLength) {
					throw new TransferError('server_rejected', 'storage answered a range of the wrong size');
				}
				const output = transform ? await transform.transform(range, bytes) : bytes;
				signal.throwIfAborted();
				await this.#deliver(range, output, signal);
				return;
			} catch (error) {
				if (signal.aborted) throw error;
				const data = toTransferErrorData(error);
				const decision = decideRetry(data, attempt, this.#options.retry, random);
				if (!decision.retry) throw error;
				this.#progress.dropInFlight(range.index);
				if (decision.resign) stale = (await this.#url?.catch(() => null)) ?? '';
				await clock.sleep(decision.delayMs, signal);
			}
		}
	}

	#deliver(
		range: DownloadRange,
		bytes: Uint8Array<ArrayBuffer>,
		signal: AbortSignal
	): Promise<void> {
		if (this.#ports.writer.mode === 'offset') {
			return this.#enqueueWrite(() => this.#write(range, bytes));
		}
		this.#buffered.set(range.index, bytes);
		return this.#enqueueWrite(() => this.#flushSequential(signal));
	}

	async #flushSequential(signal: AbortSignal): Promise<void> {
		for (;;) {
			const ready = this.#buffered.get(this.#nextWrite);
			if (ready === undefined || signal.aborted) return;
			this.#buffered.delete(this.#nextWrite);
			await this.#write(this.#ranges[this.#nextWrite]!, ready);
			this.#nextWrite += 1;
			this.#notify();
		}
	}

	/** Writes run one after another: neither a stream nor a swap file likes interleaving. */
	#enqueueWrite(task: () => Promise<void>): Promise<void> {
		const next = this.#writeChain.then(task);
		this.#writeChain = next.catch(() => {});
		return next;
	}

	async #write(range: DownloadRange, bytes: Uint8Array<ArrayBuffer>): Promise<void> {
		const { writer } = this.#ports;
		// Read before writing: a writer may transfer the buffer to a worker, leaving it empty.
		const length = bytes.length;
		if (length !== range.writeEnd - range.writeStart) {
			throw new TransferError('server_rejected', 'a range decrypted to the wrong size');
		}
		try {
			if (length > 0) await writer.write(range.writeStart, bytes);
		} catch (error) {
			throw new TransferError('store_failed', 'the file could not be written', {
				retryable: false,
				cause: error
			});
		}
		this.#written.add(range.index);
		this.#progress.confirmPart(range.index, length, this.#ports.clock.now());
		this.#emitProgress();
		if (writer.mode !== 'offset') return;
		this.#uncommitted.push(range.index);
		this.#uncommittedBytes += length;
		if (!canCheckpoint(writer)) {
			await this.#commitRanges();
		} else if (
			shouldCheckpoint(this.#uncommittedBytes, this.#committedBytes, this.#checkpointMinBytes)
		) {
			await this.#checkpoint();
		}
	}

	async #checkpoint(): Promise<void> {
		const { writer } = this.#ports;
		if (writer.mode !== 'offset' || this.#uncommitted.length === 0) return;
		if (canCheckpoint(writer)) await writer.checkpoint();
		await this.#commitRanges();
	}

	async #commitRanges(): Promise<void> {
		const ranges = this.#uncommitted;
		this.#uncommitted = [];
		this.#committedBytes += this.#uncommittedBytes;
		this.#uncommittedBytes = 0;
		for (const index of ranges) {
			// Losing resume data costs a re-fetch, not the download.
			await this.#ports.store.markDone(this.#id, index).catch(() => {});
		}
	}
}
