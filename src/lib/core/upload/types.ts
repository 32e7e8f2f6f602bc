import type { TransferErrorData } from '../errors';
import type { ChecksumAlgorithm, FileSource, UploadedFile } from '../../ports';
import type { RetryPolicy, BreakerPolicy } from './retry';
import type { ConcurrencyPolicy } from './adaptive';

/** What the server gave us for this transfer; fixed once created. */
export interface UploadSession {
	readonly uploadId: string;
	readonly fileId: string;
	readonly partSize: number;
	readonly partCount: number;
	/** Stored bytes (ciphertext size when encrypting). */
	readonly size: number;
	readonly expiresAt: string;
}

/**
 * One transfer's state. Each variant carries only what exists in that state; `session` is
 * null while paused/waiting/failed before the server created the upload.
 */
export type TransferState =
	| { readonly status: 'queued' }
	| { readonly status: 'preparing' }
	| { readonly status: 'uploading'; readonly session: UploadSession }
	| { readonly status: 'paused'; readonly session: UploadSession | null }
	| {
			readonly status: 'waiting-for-network';
			readonly session: UploadSession | null;
			readonly since: number;
	  }
	| {
			readonly status: 'waiting-for-file';
			readonly session: UploadSession | null;
			readonly error: TransferErrorData;
	  }
	| { readonly status: 'completing'; readonly session: UploadSession }
	| { readonly status: 'done'; readonly session: UploadSession; readonly file: UploadedFile }
	| {
			readonly status: 'failed';
			readonly session: UploadSession | null;
			readonly error: TransferErrorData;
	  }
	| { readonly status: 'cancelled' };

export type TransferStatus = TransferState['status'];

export type PartState = 'pending' | 'signed' | 'uploading' | 'done';

export interface PartRecord {
	readonly partNumber: number;
	/** Stored bytes of this part. */
	readonly size: number;
	state: PartState;
	etag?: string;
	/** base64 digest of the stored bytes of this part. */
	checksum?: string;
	url?: string;
	urlExpiresAt?: number;
}

export interface ProgressSnapshot {
	readonly totalBytes: number;
	/** Bytes of parts the server has confirmed. */
	readonly bytesConfirmed: number;
	/** Bytes sent in attempts still running; may go back down when an attempt fails. */
	readonly bytesInFlight: number;
	/** Bytes per second, EWMA; null until there is a sample. */
	readonly speedBps: number | null;
	readonly etaMs: number | null;
	readonly partsDone: number;
	readonly partCount: number;
}

export interface UploadEvents {
	'upload:state-changed': {
		transferId: string;
		state: TransferState;
		previous: TransferStatus;
	};
	'upload:progress': { transferId: string; progress: ProgressSnapshot };
	'upload:part-uploaded': { transferId: string; partNumber: number; size: number; etag: string };
	'upload:error': {
		transferId: string;
		error: TransferErrorData;
		partNumber?: number;
		willRetry: boolean;
		delayMs?: number;
	};
}

export interface TransferInit {
	/** Chosen by the caller (e.g. crypto.randomUUID()); the key of the resume record. */
	transferId: string;
	roomId: string;
	file: FileSource;
}

export interface UploadOptions {
	checksumAlgorithm?: ChecksumAlgorithm;
	preferredPartSize?: number;
	retry: RetryPolicy;
	breaker: BreakerPolicy;
	concurrency: ConcurrencyPolicy;
	/** A part with no upload progress for this long is aborted and retried as 'stalled'. */
	stallTimeoutMs: number;
	/** Re-sign a URL that expires within this margin (at most a quarter of its lifetime). */
	urlExpiryMarginMs: number;
	/**
	 * Parts prepared (read, encrypted, hashed) and signed ahead of the PUTs, so a freed slot
	 * starts its PUT at once. Parts in memory stay at most concurrency + prepareAhead.
	 */
	prepareAhead: number;
	/** Parts signed per request when URLs do not depend on checksums (<= 100). */
	signBatchSize: number;
	/** Progress events per second at most. */
	progressPerSecond: number;
}
