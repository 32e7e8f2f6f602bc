import { TransferError, toTransferError, toTransferErrorData } from '../errors';
import type { FileSource, UploadPorts, UploadedFile } from '../../ports';
import { DEFAULT_CONCURRENCY_POLICY } from './adaptive';
import { buildCompleteInput } from './checksum';
import { createEmitter, type Emitter } from './emitter';
import { TransferHealth } from './health';
import { callWithRetry, uploadMissingParts } from './part-loop';
import { ProgressModel, createThrottle, type Throttle } from './progress';
import { DEFAULT_BREAKER_POLICY, DEFAULT_RETRY_POLICY } from './retry';
import { isSameIdentity, prepareSession, stopReasonFor, type PreparedSession } from './session';
import type { CachedUrl } from './signer';
import type {
	PartRecord,
	ProgressSnapshot,
	TransferInit,
	TransferState,
	UploadEvents,
	UploadOptions
} from './types';

export const DEFAULT_UPLOAD_OPTIONS: UploadOptions = {
	retry: DEFAULT_RETRY_POLICY,
	breaker: DEFAULT_BREAKER_POLICY,
	concurrency: DEFAULT_CONCURRENCY_POLICY,
	stallTimeoutMs: 60_000,
	urlExpiryMarginMs: 60_000,
	prepareAhead: 2,
	signBatchSize: 20,
	progressPerSecond: 4
};

type StopReason = 'pause' | 'cancel' | 'offline' | 'file';

/** One attempt to move the transfer forward; a pause or offline ends it, resume starts a new one. */
interface Run {
	readonly controller: AbortController;
	stop: StopReason | null;
	/** pauseAtPartBoundary(): start no new part; pause once the parts in flight are in. */
	draining: boolean;
	finished: boolean;
	done: Promise<void>;
}

/**
 * Owns one transfer's lifecycle (Uppy S3Uploader style): create or resume, upload the missing
 * parts, complete. Pause = abort the run's AbortController; an abort is never a failure.
 *
 * Deterministic rules the integrator can rely on:
 *  - pause() and cancel() during 'completing' do not interrupt it. The complete request may
 *    already have reached storage, which cannot undo CompleteMultipartUpload, so completing
 *    wins: cancel() waits, and only if completing fails does it cancel.
 *  - offline moves to 'waiting-for-network' without counting a failure; online resumes at once.
 */
export class TransferRunner {
	readonly transferId: string;
	readonly #init: TransferInit;
	readonly #ports: UploadPorts;
	readonly #options: UploadOptions;
	readonly #events: Emitter<UploadEvents> = createEmitter<UploadEvents>();
	readonly #urls = new Map<number, CachedUrl>();
	readonly #throttle: Throttle<ProgressSnapshot>;
	#file: FileSource;
	#state: TransferState = { status: 'queued' };
	#prepared: PreparedSession | null = null;
	#progress: ProgressModel | null = null;
	#run: Run | null = null;
	readonly #health: TransferHealth;
	#unsubscribeNetwork: (() => void) | null = null;
	#buffered = 0;
	#maxBuffered = 0;

	constructor(init: TransferInit, ports: UploadPorts, options: Partial<UploadOptions> = {}) {
		this.#options = { ...DEFAULT_UPLOAD_OPTIONS, ...options };
		if (this.#options.checksumAlgorithm && !ports.hasher) {
			throw new Error('checksumAlgorithm needs a Hasher port');
		}
		this.transferId = init.transferId;
		this.#init = init;
		this.#file = init.file;
		this.#ports = ports;
		const { breaker, concurrency } = this.#options;
		this.#health = new TransferHealth(ports.clock, breaker, concurrency);
		this.#throttle = createThrottle(ports.clock, this.#options.progressPerSecond, (progress) =>
			this.#events.emit('upload:progress', { transferId: this.transferId, progress })
		);
	}

	get state(): TransferState {
		return this.#state;
	}

	get parts(): readonly Readonly<PartRecord>[] {
		return this.#prepared?.parts ?? [];
	}

	/** For tests and diagnostics. */
	get stats(): { concurrency: number; partsInMemory: number; maxPartsInMemory: number } {
		const concurrency = this.#health.concurrency;
		return { concurrency, partsInMemory: this.#buffered, maxPartsInMemory: this.#maxBuffered };
	}

	on<K extends keyof UploadEvents>(type: K, fn: (payload: UploadEvents[K]) => void): () => void {
		return this.#events.on(type, fn);
	}

	/** Resolves when this run stops: done, failed, paused, waiting, or cancelled. Never rejects. */
	start(): Promise<void> {
		this.#unsubscribeNetwork ??= this.#ports.network.onChange((online) =>
			this.#onNetworkChange(online)
		);
		return this.resume();
	}

	resume(): Promise<void> {
		const status = this.#state.status;
		if (status === 'done' || status === 'cancelled') return Promise.resolve();
		if (this.#run && this.#run.stop === null && !this.#run.finished) return this.#run.done;
		return this.#startRun();
	}

	pause(): void {
		const status = this.#state.status;
		if (status === 'uploading' || status === 'preparing') {
			if (this.#run) this.#stopRun(this.#run, 'pause');
		} else if (status === 'waiting-for-network' || status === 'waiting-for-file') {
			// Stay paused even if the network comes back: the user asked for it.
			this.#setState({ status: 'paused', session: this.#state.session });
		} else if (status === 'queued') {
			this.#setState({ status: 'paused', session: null });
		}
	}

	/**
	 * Pauses without wasting the parts in flight: no new part starts, and the transfer pauses
	 * once those are stored (or after `maxWaitMs`, when it pauses as pause() does). For handing
	 * a transfer to another driver, which then sends only what is missing. Resolves when the
	 * transfer has stopped (paused, or done if those were its last parts).
	 */
	pauseAtPartBoundary(maxWaitMs: number): Promise<void> {
		const run = this.#run;
		if (this.#state.status !== 'uploading' || !run || run.stop !== null || run.finished) {
			this.pause();
			return this.#run?.done ?? Promise.resolve();
		}
		run.draining = true;
		void this.#ports.clock.sleep(maxWaitMs, run.controller.signal).then(
			() => {
				if (!run.finished) this.#stopRun(run, 'pause');
			},
			() => {}
		);
		return run.done;
	}

	async cancel(): Promise<TransferState> {
		if (this.#state.status === 'completing') await this.#run?.done;
		const status = this.#status();
		if (status === 'done' || status === 'cancelled') return this.#state;
		const run = this.#run;
		if (run) this.#stopRun(run, 'cancel');
		this.#setState({ status: 'cancelled' });
		await run?.done;
		const uploadId =
			this.#prepared?.session.uploadId ??
			(await this.#ports.store.load(this.transferId).catch(() => undefined))?.transfer.uploadId;
		if (uploadId !== undefined) {
			try {
				await this.#ports.api.abort(uploadId);
			} catch (error) {
				this.#reportError(toTransferError(error), false);
			}
		}
		await this.#forget();
		this.dispose();
		return this.#state;
	}

	/** After 'waiting-for-file': hand over the file again (e.g. re-picked after a reload). */
	replaceFile(file: FileSource): void {
		if (!isSameIdentity(file, this.#file))
			throw new TransferError('file_changed', 'not the same file');
		this.#file = file;
	}

	dispose(): void {
		this.#unsubscribeNetwork?.();
		this.#unsubscribeNetwork = null;
		this.#throttle.flush();
	}

	// ---- runs -------------------------------------------------------------------------------

	#startRun(): Promise<void> {
		const previous = this.#run?.done ?? Promise.resolve();
		const run: Run = {
			controller: new AbortController(),
			stop: null,
			draining: false,
			finished: false,
			done: previous
		};
		this.#run = run;
		// A new run waits for the old one's parts to settle: no overlap, memory stays bounded.
		run.done = previous.then(() => this.#execute(run));
		return run.done;
	}

	#stopRun(run: Run, reason: StopReason, error?: TransferError): void {
		if (run.stop !== null) return;
		run.stop = reason;
		run.controller.abort(new TransferError('aborted', reason));
		this.#progress?.resetSpeed();
		const session = this.#prepared?.session ?? null;
		if (reason === 'pause') this.#setState({ status: 'paused', session });
		if (reason === 'offline') {
			this.#setState({ status: 'waiting-for-network', session, since: this.#ports.clock.now() });
		}
		if (reason === 'file' && error) {
			this.#setState({ status: 'waiting-for-file', session, error: toTransferErrorData(error) });
		}
	}

	async #execute(run: Run): Promise<void> {
		const { signal } = run.controller;
		try {
			signal.throwIfAborted();
			if (!this.#ports.network.isOnline()) return this.#stopRun(run, 'offline');
			this.#health.restart();
			const prepared = this.#prepared ?? (await this.#prepare(run));
			const progress = this.#progressFor(prepared);
			if (!prepared.remoteCompleted && prepared.parts.some((p) => p.state !== 'done')) {
				this.#setState({ status: 'uploading', session: prepared.session });
				await this.#uploadParts(run, prepared, progress);
				if (run.draining && prepared.parts.some((p) => p.state !== 'done')) {
					return this.#stopRun(run, 'pause');
				}
			}
			this.#setState({ status: 'completing', session: prepared.session });
			const file = await this.#complete(run, prepared);
			await this.#forget();
			this.#setState({ status: 'done', session: prepared.session, file });
			this.dispose();
		} catch (error) {
			if (run.stop !== null) return;
			const err = toTransferError(error);
			const session = this.#prepared?.session ?? null;
			this.#setState({ status: 'failed', session, error: toTransferErrorData(err) });
		} finally {
			run.finished = true;
		}
	}

	async #prepare(run: Run): Promise<PreparedSession> {
		this.#setState({ status: 'preparing' });
		const { api, store, cipher, clock } = this.#ports;
		const options = {
			checksumAlgorithm: this.#options.checksumAlgorithm,
			preferredPartSize: this.#options.preferredPartSize
		};
		const init = { ...this.#init, file: this.#file };
		const prepared = await this.#withRetry(run, (signal) =>
			prepareSession({ api, store, cipher, now: () => clock.now() }, init, options, signal)
		);
		if (prepared.newRecord) await this.#persist((s) => s.saveTransfer(prepared.newRecord!));
		this.#prepared = prepared;
		return prepared;
	}

	#progressFor(prepared: PreparedSession): ProgressModel {
		if (this.#progress) return this.#progress;
		const { size, partCount } = prepared.layout;
		const done = prepared.parts.filter((p) => p.state === 'done');
		this.#progress = new ProgressModel(size, partCount);
		this.#progress.seedConfirmed(
			done.reduce((n, p) => n + p.size, 0),
			done.length
		);
		return this.#progress;
	}

	async #uploadParts(run: Run, prepared: PreparedSession, progress: ProgressModel): Promise<void> {
		await uploadMissingParts(
			{
				ports: this.#ports,
				options: this.#options,
				health: this.#health,
				urls: this.#urls,
				file: this.#file,
				prepared,
				progress,
				leavesRun: (err) => this.#leavesRun(run, err),
				reportError: (err, retry, n, delayMs) => this.#reportError(err, retry, n, delayMs),
				progressChanged: () => this.#throttle.push(progress.snapshot()),
				stopTaking: () => run.draining,
				onBuffer: (delta) => {
					this.#buffered += delta;
					this.#maxBuffered = Math.max(this.#maxBuffered, this.#buffered);
				},
				partConfirmed: async (stored) => {
					await this.#persist((s) => s.savePart(this.transferId, stored));
					const { partNumber, size, etag } = stored;
					const payload = { transferId: this.transferId, partNumber, size, etag };
					this.#events.emit('upload:part-uploaded', payload);
				}
			},
			run.controller.signal
		);
	}

	#leavesRun(run: Run, err: TransferError): boolean {
		const reason = stopReasonFor(err.code, this.#ports.network.isOnline());
		if (reason) this.#stopRun(run, reason, err);
		return reason !== null;
	}

	#withRetry<T>(run: Run, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
		const ctx = {
			ports: this.#ports,
			retry: this.#options.retry,
			leavesRun: (err: TransferError) => this.#leavesRun(run, err),
			reportError: (err: TransferError, retry: boolean, delayMs: number) =>
				this.#reportError(err, retry, undefined, delayMs)
		};
		return callWithRetry(ctx, fn, run.controller.signal);
	}

	/** `complete` is idempotent on the server, so retrying it (or a second runner) is harmless. */
	async #complete(run: Run, prepared: PreparedSession): Promise<UploadedFile> {
		const input = await buildCompleteInput(prepared, this.#ports.hasher);
		const { uploadId } = prepared.session;
		const { file } = await this.#withRetry(run, (s) =>
			this.#ports.api.complete(uploadId, input, s)
		);
		return file;
	}

	// ---- plumbing ---------------------------------------------------------------------------

	#onNetworkChange(online: boolean): void {
		const status = this.#state.status;
		if (!online && (status === 'uploading' || status === 'preparing') && this.#run) {
			this.#stopRun(this.#run, 'offline');
		} else if (online && status === 'waiting-for-network') {
			void this.resume();
		}
	}

	/** Losing resume data costs at most a re-upload later; failing a 50 GB transfer is worse. */
	async #persist(write: (store: UploadPorts['store']) => Promise<void>): Promise<void> {
		try {
			await write(this.#ports.store);
		} catch (error) {
			this.#reportError(
				new TransferError('store_failed', 'could not persist', { cause: error }),
				false
			);
		}
	}

	async #forget(): Promise<void> {
		await this.#persist((s) => s.delete(this.transferId));
	}

	#reportError(
		err: TransferError,
		willRetry: boolean,
		partNumber?: number,
		delayMs?: number
	): void {
		const error = toTransferErrorData(err);
		const part = partNumber !== undefined ? { partNumber } : {};
		const delay = willRetry && delayMs !== undefined ? { delayMs } : {};
		const payload = { transferId: this.transferId, willRetry, ...part, ...delay };
		this.#events.emit('upload:error', { ...payload, error: { ...error, ...part } });
	}

	/** Read through a method so TypeScript does not keep a narrowing across awaits. */
	#status(): TransferState['status'] {
		return this.#state.status;
	}

	#setState(state: TransferState): void {
		const previous = this.#state.status;
		this.#throttle.flush();
		this.#state = state;
		this.#events.emit('upload:state-changed', { transferId: this.transferId, state, previous });
	}
}
