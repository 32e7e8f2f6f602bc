import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { StoredPart, TransferRecord, TransferStore } from '$lib/ports';
import type { EncryptionHeader } from '$lib/core/crypto';
import type { ShareInfo } from '$lib/adapters/download/share-info';

/**
 * Ferry's one IndexedDB database (Workbox QueueDb style): schema, version and upgrade live
 * here and nowhere else. Page and upload worker open it; the service worker may later.
 */
export const DB_NAME = 'ferry';
export const DB_VERSION = 3;

/** What the browser needs to find the bytes again after a reload. */
export interface FileRef {
	/** Chromium copies a File put into IndexedDB in a persistent profile: enough to resume. */
	file?: File;
	/** Where the File System Access API picked it (not used by the file input). */
	handle?: FileSystemFileHandle;
}

export interface TransferOptionsRecord {
	encrypt: boolean;
	checksumAlgorithm?: 'CRC32C' | 'SHA256';
	/** Asked of the server at create, from how the link went for earlier uploads. */
	preferredPartSize?: number;
}

/**
 * One row per transfer, written before the server knows about it (so a reload during
 * `create` still finds the file); `record` arrives once the core created the upload.
 */
export interface TransferRow {
	transferId: string;
	roomId: string;
	addedAt: number;
	name: string;
	size: number;
	lastModified: number;
	type: string;
	options: TransferOptionsRecord;
	source: FileRef;
	record: TransferRecord | null;
	/** The user paused it: a reload does not resume it on its own. */
	pausedByUser: boolean;
}

export interface PartRow extends StoredPart {
	transferId: string;
}

/**
 * The per-file key of an end-to-end encrypted upload. Kept apart from `transfers` because it
 * must outlive the transfer (the core deletes its record when done): until sharing wraps it
 * with a room key, this browser is the only place that can decrypt the file.
 */
export interface FileKeyRow {
	transferId: string;
	roomId: string;
	/** Known once the server created the upload. */
	fileId: string | null;
	fileName: string;
	key: Uint8Array<ArrayBuffer>;
	header: EncryptionHeader;
	createdAt: number;
}

/**
 * The key of an end-to-end encrypted room, from creating it or from an invite link's fragment.
 * Read and written through room-key-store.ts.
 */
export interface RoomKeyRow {
	roomId: string;
	key: Uint8Array<ArrayBuffer>;
	savedAt: number;
}

/**
 * A share-link download in progress (adapters/download/idb-download-store.ts): enough to
 * resume it after a reload or a browser restart without counting another download.
 */
export interface DownloadRow {
	downloadId: string;
	token: string;
	grant: string;
	/** The file picked with showSaveFilePicker; absent on the stream path, which cannot resume. */
	handle?: FileSystemFileHandle;
	/** Written by way of a staging file in the origin-private file system (save-writer.ts). */
	staged?: boolean;
	fileName: string;
	size: number;
	/**
	 * The link info when the download started: a link whose last download this was refuses
	 * its info afterwards (limit_reached), yet the download it counted must still resume.
	 */
	info: ShareInfo;
	startedAt: number;
}

export interface FerryDB extends DBSchema {
	transfers: { key: string; value: TransferRow; indexes: { roomId: string } };
	parts: { key: [string, number]; value: PartRow; indexes: { transferId: string } };
	fileKeys: { key: string; value: FileKeyRow; indexes: { fileId: string } };
	roomKeys: { key: string; value: RoomKeyRow };
	downloads: { key: string; value: DownloadRow; indexes: { token: string } };
	/** Ranges written and checkpointed, one row each so marking one never rewrites a list. */
	downloadRanges: { key: [string, number]; value: { downloadId: string; index: number } };
}

let opening: Promise<IDBPDatabase<FerryDB>> | null = null;

export function openFerryDb(): Promise<IDBPDatabase<FerryDB>> {
	opening ??= openDB<FerryDB>(DB_NAME, DB_VERSION, {
		upgrade(db, oldVersion) {
			if (oldVersion < 1) {
				const transfers = db.createObjectStore('transfers', { keyPath: 'transferId' });
				transfers.createIndex('roomId', 'roomId');
				const parts = db.createObjectStore('parts', { keyPath: ['transferId', 'partNumber'] });
				parts.createIndex('transferId', 'transferId');
				const keys = db.createObjectStore('fileKeys', { keyPath: 'transferId' });
				keys.createIndex('fileId', 'fileId');
			}
			if (oldVersion < 2) {
				db.createObjectStore('roomKeys', { keyPath: 'roomId' });
			}
			if (oldVersion < 3) {
				const downloads = db.createObjectStore('downloads', { keyPath: 'downloadId' });
				downloads.createIndex('token', 'token');
				db.createObjectStore('downloadRanges', { keyPath: ['downloadId', 'index'] });
			}
		},
		blocking() {
			// A newer tab wants to upgrade: let it, and reopen next time.
			void opening?.then((db) => db.close());
			opening = null;
		}
	});
	return opening;
}

/** The TransferStore port plus the rows the worker needs around it (files, keys). */
export class IdbTransferStore implements TransferStore {
	readonly #db: () => Promise<IDBPDatabase<FerryDB>>;

	constructor(db: () => Promise<IDBPDatabase<FerryDB>> = openFerryDb) {
		this.#db = db;
	}

	// ---- the port --------------------------------------------------------------------------

	async saveTransfer(record: TransferRecord): Promise<void> {
		const db = await this.#db();
		const tx = db.transaction(['transfers', 'fileKeys'], 'readwrite');
		const row = await tx.objectStore('transfers').get(record.transferId);
		if (row) await tx.objectStore('transfers').put({ ...row, record });
		const key = await tx.objectStore('fileKeys').get(record.transferId);
		if (key) await tx.objectStore('fileKeys').put({ ...key, fileId: record.fileId });
		await tx.done;
	}

	async savePart(transferId: string, part: StoredPart): Promise<void> {
		const db = await this.#db();
		await db.put('parts', { ...part, transferId });
	}

	async load(
		transferId: string
	): Promise<{ transfer: TransferRecord; parts: StoredPart[] } | undefined> {
		const db = await this.#db();
		const row = await db.get('transfers', transferId);
		if (!row?.record) return undefined;
		const rows = await db.getAllFromIndex('parts', 'transferId', transferId);
		const parts = rows.map(({ transferId: _, ...part }) => part);
		return { transfer: row.record, parts };
	}

	async list(): Promise<TransferRecord[]> {
		const db = await this.#db();
		const rows = await db.getAll('transfers');
		return rows.flatMap((row) => (row.record ? [row.record] : []));
	}

	async delete(transferId: string): Promise<void> {
		const db = await this.#db();
		const tx = db.transaction(['transfers', 'parts'], 'readwrite');
		await tx.objectStore('transfers').delete(transferId);
		const parts = tx.objectStore('parts');
		const range = IDBKeyRange.bound([transferId, 0], [transferId, Infinity]);
		await parts.delete(range);
		await tx.done;
	}

	// ---- around the port -------------------------------------------------------------------

	async addTransfer(row: TransferRow): Promise<void> {
		const db = await this.#db();
		await db.put('transfers', row);
	}

	async getRow(transferId: string): Promise<TransferRow | undefined> {
		const db = await this.#db();
		return db.get('transfers', transferId);
	}

	async rowsForRoom(roomId: string): Promise<TransferRow[]> {
		const db = await this.#db();
		const rows = await db.getAllFromIndex('transfers', 'roomId', roomId);
		return rows.sort((a, b) => a.addedAt - b.addedAt);
	}

	async replaceSource(transferId: string, source: FileRef): Promise<void> {
		const db = await this.#db();
		const tx = db.transaction('transfers', 'readwrite');
		const row = await tx.store.get(transferId);
		if (row) await tx.store.put({ ...row, source });
		await tx.done;
	}

	async saveFileKey(row: FileKeyRow): Promise<void> {
		const db = await this.#db();
		await db.put('fileKeys', row);
	}

	async fileKey(transferId: string): Promise<FileKeyRow | undefined> {
		const db = await this.#db();
		return db.get('fileKeys', transferId);
	}

	async fileKeyByFileId(fileId: string): Promise<FileKeyRow | undefined> {
		const db = await this.#db();
		return db.getFromIndex('fileKeys', 'fileId', fileId);
	}

	async deleteFileKey(transferId: string): Promise<void> {
		const db = await this.#db();
		await db.delete('fileKeys', transferId);
	}
}
