/**
 * What the upload worker tells pages, through its Comlink callback and, for every other tab,
 * through BroadcastChannel(TRANSFERS_CHANNEL). Plain data only: it crosses postMessage.
 */
import type { TransferErrorData } from '$lib/core/errors';
import type { ProgressSnapshot, TransferState } from '$lib/core/upload';

/** A file to send, with the handle Chromium's pickers and drops give (resume after a restart). */
export interface PickedFile {
	readonly file: File;
	readonly handle?: FileSystemFileHandle;
}

export const TRANSFERS_CHANNEL = 'ferry-transfers';

export const lockName = (transferId: string): string => `ferry-transfer-${transferId}`;

export interface TransferSummary {
	readonly transferId: string;
	readonly roomId: string;
	readonly name: string;
	readonly size: number;
	readonly encrypted: boolean;
	/**
	 * 'here': this tab's worker drives it; 'elsewhere': another tab holds its lock;
	 * 'background': the service worker drives it (no tab did).
	 */
	readonly driver: 'here' | 'elsewhere' | 'background';
	readonly state: TransferState;
	readonly progress: ProgressSnapshot | null;
	/** The latest error, also while the core retries it (`willRetry`). */
	readonly lastError: {
		readonly error: TransferErrorData;
		readonly willRetry: boolean;
		readonly delayMs?: number;
		readonly at: number;
	} | null;
	/** Set once the server created the upload. */
	readonly fileId: string | null;
	/**
	 * The transfer keeps a FileSystemFileHandle: after a browser restart one permission click
	 * gives the file back (`handleOf`), instead of picking it again.
	 */
	readonly reconnectable: boolean;
}

export type EngineEvent =
	| { readonly type: 'transfer:updated'; readonly transfer: TransferSummary }
	| { readonly type: 'transfer:removed'; readonly transferId: string; readonly roomId: string };

export interface AddOptions {
	encrypt: boolean;
}

/** The worker's Comlink surface. */
export interface UploadEngine {
	subscribe(listener: (event: EngineEvent) => void): void;
	setOnline(online: boolean): void;
	add(roomId: string, files: PickedFile[], options: AddOptions): Promise<TransferSummary[]>;
	/** Transfers of this room from IndexedDB: resumes what is not done and not paused by the user. */
	resumeRoom(roomId: string): Promise<TransferSummary[]>;
	pause(transferId: string): Promise<void>;
	resume(transferId: string): Promise<void>;
	cancel(transferId: string): Promise<void>;
	/** After 'waiting-for-file'; rejects with TransferErrorData 'file_changed' for another file. */
	replaceFile(transferId: string, picked: PickedFile): Promise<void>;
	/** The handle a transfer keeps, for the page to ask permission again (a user gesture). */
	handleOf(transferId: string): Promise<FileSystemFileHandle | null>;
	/** Forget a finished, failed or cancelled transfer. */
	dismiss(transferId: string): Promise<void>;
	list(roomId: string): Promise<TransferSummary[]>;
}
