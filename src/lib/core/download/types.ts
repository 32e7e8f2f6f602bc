import type { Clock, Random } from '../../ports';
import type { TransferErrorData } from '../errors';
import type { RetryPolicy } from '../upload/retry';

/**
 * Ports of the download core. Adapters in src/lib/adapters/download/ implement them for the
 * browser; the unit tests use fakes. Errors are `TransferError`s (or their data) with a code.
 */

/** One range of the object, fetched, decrypted and written as a unit. Ends are exclusive. */
export interface DownloadRange {
	readonly index: number;
	/** Bytes of the stored object to GET (ciphertext for encrypted files). */
	readonly fetchStart: number;
	readonly fetchEnd: number;
	/** Where the range's output goes in the saved file. */
	readonly writeStart: number;
	readonly writeEnd: number;
	/** Encrypted files only: the whole records this range holds. */
	readonly firstRecord?: number;
	readonly recordCount?: number;
}

/** Hands out the presigned GET; `refresh` asks for a new one because the old one expired. */
export interface DownloadUrlSource {
	getUrl(refresh: boolean): Promise<string>;
}

export interface RangeFetcher {
	/** GET bytes [start, end) of `url`; `onProgress` gets the bytes received so far. */
	fetchRange(
		url: string,
		start: number,
		end: number,
		signal: AbortSignal,
		onProgress: (loaded: number) => void
	): Promise<Uint8Array<ArrayBuffer>>;
}

/** Turns fetched bytes into the bytes to write (decryption, in a worker for encrypted files). */
export interface RangeTransform {
	transform(range: DownloadRange, bytes: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>>;
}

export interface DownloadWriter {
	/**
	 * `offset`: writes may land anywhere (a file handle). `sequential`: each write must follow
	 * the previous one (a stream), so the core holds finished ranges until their turn.
	 */
	readonly mode: 'offset' | 'sequential';
	write(position: number, bytes: Uint8Array<ArrayBuffer>): Promise<void>;
	/** Everything was written: make the file final. */
	close(): Promise<void>;
	/** Cancelled: drop what was written where that is possible. */
	abort(reason: string): Promise<void>;
	/**
	 * Offset writers that keep the bytes somewhere of their own (a staging file) are told,
	 * before the first write, which output spans [start, end) earlier sessions committed.
	 * False: those bytes are gone, and every range is fetched again.
	 */
	resume?(committed: readonly (readonly [number, number])[]): Promise<boolean>;
}

/** Which ranges are already written, so a restarted download skips them. */
export interface DownloadStore {
	loadDone(downloadId: string): Promise<readonly number[]>;
	markDone(downloadId: string, rangeIndex: number): Promise<void>;
	/** The writer lost the bytes: forget the ranges but keep the download. */
	forgetRanges(downloadId: string): Promise<void>;
	/** Done or cancelled: forget the download. */
	clear(downloadId: string): Promise<void>;
}

export interface DownloadPorts {
	urls: DownloadUrlSource;
	fetcher: RangeFetcher;
	writer: DownloadWriter;
	store: DownloadStore;
	clock: Clock;
	random: Random;
	/** Absent for plain files: bytes are written as fetched. */
	transform?: RangeTransform;
}

export interface DownloadOptions {
	/** Ranges in flight at once (4 to 6 keeps one connection per range busy without hogging). */
	concurrency: number;
	retry: RetryPolicy;
	/** Sequential writers: how far ahead of the next range to write fetching may run. */
	sequentialWindow: number;
}

export interface DownloadProgress {
	readonly totalBytes: number;
	readonly bytesDone: number;
	readonly bytesInFlight: number;
	readonly speedBps: number | null;
	readonly etaMs: number | null;
	readonly rangesDone: number;
	readonly rangeCount: number;
}

/** State as a union: each status carries only what it means. */
export type DownloadState =
	| { readonly status: 'idle' }
	| { readonly status: 'running' }
	| { readonly status: 'paused' }
	| { readonly status: 'done' }
	| { readonly status: 'cancelled' }
	| { readonly status: 'failed'; readonly error: TransferErrorData };

export interface DownloadEvents {
	state(state: DownloadState): void;
	progress(progress: DownloadProgress): void;
	/** One fetch of a range is starting (tests and benchmarks count them). */
	rangeRequested?(range: DownloadRange, attempt: number): void;
}

/**
 * Optional on offset writers whose writes only become durable when committed (a
 * FileSystemWritableFileStream writes to a swap file until close). The core marks ranges done
 * in the store only after a checkpoint, so a resume never trusts bytes that were not kept.
 */
export interface CheckpointingWriter extends DownloadWriter {
	checkpoint(): Promise<void>;
}

export function canCheckpoint(writer: DownloadWriter): writer is CheckpointingWriter {
	return typeof (writer as Partial<CheckpointingWriter>).checkpoint === 'function';
}
