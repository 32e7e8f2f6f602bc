import { toTransferError, type TransferError } from '../errors';
import type { FileSource, StoredPart, UploadPorts } from '../../ports';
import type { TransferHealth } from './health';
import {
	preparePart,
	putPart,
	type PartIO,
	type PreparedPart,
	type SentPart
} from './part-attempt';
import type { ProgressModel } from './progress';
import { decideRetry, type RetryPolicy } from './retry';
import { runScheduler } from './scheduler';
import type { PreparedSession } from './session';
import { PartSigner, type CachedUrl } from './signer';
import type { PartRecord, UploadOptions } from './types';

/** What the part loop needs from the runner that owns it. */
export interface PartLoopContext {
	readonly uploadId: string;
	readonly ports: Pick<UploadPorts, 'api' | 'clock' | 'random'>;
	readonly retry: RetryPolicy;
	readonly health: TransferHealth;
	readonly io: PartIO;
	/** Offline or file trouble: the runner stops the run and this part gives up quietly. */
	leavesRun(error: TransferError): boolean;
	reportError(error: TransferError, willRetry: boolean, partNumber: number, delayMs: number): void;
	/** The attempt's bytes in flight no longer count. */
	attemptEnded(partNumber: number): void;
	/** Confirmed by the server; the runner persists it and updates progress and events. */
	partConfirmed(part: PartRecord, stored: StoredPart): Promise<void>;
	/** The part prepared ahead for this part number, if any (taken once). */
	takePrepared?(partNumber: number): Promise<PreparedPart> | undefined;
}

/**
 * Uploads one part until it is confirmed, retrying per the policy. An abort (pause, cancel,
 * a sibling's fatal error) is rethrown untouched and never counted as a failure.
 * If the PUT worked but `partDone` failed, only `partDone` is retried: the bytes are stored.
 */
export async function uploadPartWithRetry(
	ctx: PartLoopContext,
	part: PartRecord,
	signal: AbortSignal,
	/** Called once the bytes are stored: bookkeeping (partDone, store) needs no PUT slot. */
	putFinished: () => void = () => {}
): Promise<void> {
	const { api, clock, random } = ctx.ports;
	const n = part.partNumber;
	let sent: SentPart | null = null;
	for (let attempt = 1; ; attempt++) {
		const probe = await ctx.health.admit(signal);
		try {
			if (sent === null) {
				const ahead = attempt === 1 ? ctx.takePrepared?.(n) : undefined;
				const prepared = await (ahead ?? preparePart(ctx.io, part, signal));
				sent = await putPart(ctx.io, part, prepared, signal);
				putFinished();
			}
			const { etag, checksum } = sent;
			const stored: StoredPart = { partNumber: n, size: part.size, etag };
			if (checksum !== undefined) stored.checksum = checksum;
			await api.partDone(
				ctx.uploadId,
				n,
				{ etag, size: part.size, ...(checksum && { checksum }) },
				signal
			);
			part.state = 'done';
			part.etag = etag;
			if (checksum !== undefined) part.checksum = checksum;
			ctx.health.succeeded({ bytes: part.size, latencyMs: sent.latencyMs });
			await ctx.partConfirmed(part, stored);
			return;
		} catch (error) {
			if (sent === null) {
				part.state = 'pending';
				ctx.attemptEnded(n);
			}
			if (signal.aborted) {
				if (probe) ctx.health.released();
				throw error;
			}
			const err = toTransferError(error);
			if (ctx.leavesRun(err)) {
				if (probe) ctx.health.released();
				throw err;
			}
			const decision = decideRetry(err, attempt, ctx.retry, random);
			if (decision.countsAsFailure) ctx.health.failed();
			else if (probe) ctx.health.released();
			ctx.reportError(err, decision.retry, n, decision.delayMs);
			if (!decision.retry) throw err;
			if (decision.resign) ctx.io.signer.invalidate(n);
			await clock.sleep(decision.delayMs, signal);
		}
	}
}

export interface PartPhaseDeps {
	readonly ports: UploadPorts;
	readonly options: UploadOptions;
	readonly health: TransferHealth;
	/** Outlives the run, so a pause does not waste URLs that are still good. */
	readonly urls: Map<number, CachedUrl>;
	readonly file: FileSource;
	readonly prepared: PreparedSession;
	readonly progress: ProgressModel;
	leavesRun(error: TransferError): boolean;
	reportError(error: TransferError, willRetry: boolean, partNumber: number, delayMs: number): void;
	progressChanged(): void;
	onBuffer(delta: 1 | -1): void;
	partConfirmed(stored: StoredPart): Promise<void>;
	/** True once the transfer should stop at a part boundary: no new part starts. */
	stopTaking?(): boolean;
}

/** Uploads every part that is not done yet, at most `health.concurrency` at a time. */
export async function uploadMissingParts(deps: PartPhaseDeps, signal: AbortSignal): Promise<void> {
	const { ports, options, prepared, progress } = deps;
	const { api, clock } = ports;
	const uploadId = prepared.session.uploadId;
	const pending = prepared.parts.filter((p) => p.state !== 'done').map((p) => p.partNumber);
	// Scope of this phase: the first fatal part error stops its siblings too.
	const scope = new AbortController();
	const forward = (): void => scope.abort(signal.reason);
	signal.addEventListener('abort', forward, { once: true });
	const signer = new PartSigner({
		api,
		uploadId,
		clock,
		options: { batchSize: options.signBatchSize, expiryMarginMs: options.urlExpiryMarginMs },
		cache: deps.urls,
		upcoming: () => pending,
		signal: scope.signal
	});
	const io: PartIO = {
		file: deps.file,
		layout: prepared.layout,
		sender: ports.sender,
		clock,
		signer,
		algorithm: prepared.checksumAlgorithm,
		hasher: ports.hasher,
		cipher: ports.cipher,
		transform: ports.transform,
		stallTimeoutMs: options.stallTimeoutMs,
		onProgress: (n, loaded) => {
			progress.setInFlight(n, loaded, clock.now());
			deps.progressChanged();
		},
		onBuffer: (delta) => deps.onBuffer(delta)
	};
	// Prepare (read, encrypt, hash) and sign the next parts while earlier ones are uploading, so
	// a freed PUT slot never waits for hashing or a signing round trip. Bounded by prepareAhead:
	// parts in memory never exceed concurrency + prepareAhead.
	const ahead = new Map<number, Promise<PreparedPart>>();
	const prefetch = (n: number): void => {
		if (ahead.has(n)) return;
		const part = prepared.parts[n - 1]!;
		const ready = preparePart(io, part, scope.signal).then((p) => {
			// Sign now too: the signer shares this request with the PUT's own get().
			io.signer.get(n, p.checksum).catch(() => {});
			return p;
		});
		ready.catch(() => {});
		ahead.set(n, ready);
	};
	const topUp = (): void => {
		if (scope.signal.aborted || deps.stopTaking?.()) return;
		for (const n of pending.slice(0, Math.max(0, options.prepareAhead))) prefetch(n);
	};
	const ctx: PartLoopContext = {
		uploadId,
		ports,
		retry: options.retry,
		health: deps.health,
		io,
		leavesRun: (err) => deps.leavesRun(err),
		reportError: (err, willRetry, n, delayMs) => deps.reportError(err, willRetry, n, delayMs),
		attemptEnded: (n) => progress.dropInFlight(n),
		partConfirmed: async (part, stored) => {
			progress.confirmPart(part.partNumber, part.size, clock.now());
			deps.progressChanged();
			await deps.partConfirmed(stored);
		},
		takePrepared: (n) => {
			const ready = ahead.get(n);
			ahead.delete(n);
			topUp();
			return ready;
		}
	};
	try {
		await runScheduler({
			queue: pending,
			limit: () => deps.health.concurrency,
			scope,
			stopTaking: () => deps.stopTaking?.() ?? false,
			task: (n, release) => {
				// Its preparation is queued the moment the scheduler takes it, before the parts
				// further ahead: otherwise, at the start, parts 7-12 reached the workers before
				// 1-6 and the first PUT waited for twelve parts to be hashed.
				prefetch(n);
				return uploadPartWithRetry(ctx, prepared.parts[n - 1]!, scope.signal, release);
			}
		});
	} finally {
		signal.removeEventListener('abort', forward);
		// Parts prepared for a run that stopped: give their bytes back.
		for (const ready of ahead.values())
			ready.then(
				(p) => p.release(),
				() => {}
			);
		ahead.clear();
	}
	signal.throwIfAborted();
}

export interface CallRetryContext {
	readonly ports: Pick<UploadPorts, 'clock' | 'random'>;
	readonly retry: RetryPolicy;
	leavesRun(error: TransferError): boolean;
	reportError(error: TransferError, willRetry: boolean, delayMs: number): void;
}

/** Retries one idempotent API call (create/status, complete) with the same policy as parts. */
export async function callWithRetry<T>(
	ctx: CallRetryContext,
	fn: (signal: AbortSignal) => Promise<T>,
	signal: AbortSignal
): Promise<T> {
	for (let attempt = 1; ; attempt++) {
		try {
			return await fn(signal);
		} catch (error) {
			if (signal.aborted) throw error;
			const err = toTransferError(error);
			if (ctx.leavesRun(err)) throw err;
			const decision = decideRetry(err, attempt, ctx.retry, ctx.ports.random);
			// Nothing to re-sign here: an API call that says url_expired is not retried.
			const retry = decision.retry && !decision.resign;
			ctx.reportError(err, retry, decision.delayMs);
			if (!retry) throw err;
			await ctx.ports.clock.sleep(decision.delayMs, signal);
		}
	}
}
