import type { IDBPDatabase } from 'idb';
import type { DownloadStore } from '$lib/core/download';
import { openFerryDb, type DownloadRow, type FerryDB } from '$lib/adapters/idb/transfer-store';

/**
 * The DownloadStore port in Ferry's IndexedDB, plus the row that lets the recipient page find
 * an interrupted download again (its grant and the picked file's handle: after a browser
 * restart one permission click resumes it).
 */
export class IdbDownloadStore implements DownloadStore {
	readonly #db: () => Promise<IDBPDatabase<FerryDB>>;

	constructor(db: () => Promise<IDBPDatabase<FerryDB>> = openFerryDb) {
		this.#db = db;
	}

	async loadDone(downloadId: string): Promise<readonly number[]> {
		const db = await this.#db();
		const keys = await db.getAllKeys('downloadRanges', rangesOf(downloadId));
		return keys.map(([, index]) => index);
	}

	async markDone(downloadId: string, rangeIndex: number): Promise<void> {
		const db = await this.#db();
		await db.put('downloadRanges', { downloadId, index: rangeIndex });
	}

	async forgetRanges(downloadId: string): Promise<void> {
		const db = await this.#db();
		await db.delete('downloadRanges', rangesOf(downloadId));
	}

	/** Done or cancelled: forget the ranges and the row. */
	async clear(downloadId: string): Promise<void> {
		const db = await this.#db();
		const tx = db.transaction(['downloads', 'downloadRanges'], 'readwrite');
		await tx.objectStore('downloadRanges').delete(rangesOf(downloadId));
		await tx.objectStore('downloads').delete(downloadId);
		await tx.done;
	}

	async saveDownload(row: DownloadRow): Promise<void> {
		const db = await this.#db();
		await db.put('downloads', row);
	}

	/** Every download this browser may still resume. */
	async downloadIds(): Promise<string[]> {
		const db = await this.#db();
		return db.getAllKeys('downloads');
	}

	/** The newest unfinished download of this link in this browser, if any. */
	async downloadForToken(token: string): Promise<DownloadRow | undefined> {
		const db = await this.#db();
		const rows = await db.getAllFromIndex('downloads', 'token', token);
		return rows.sort((a, b) => b.startedAt - a.startedAt)[0];
	}
}

function rangesOf(downloadId: string): IDBKeyRange {
	return IDBKeyRange.bound([downloadId, 0], [downloadId, Infinity]);
}
