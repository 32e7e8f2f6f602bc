import * as Comlink from 'comlink';
import type { DownloadWriter } from '$lib/core/download';
import type { DownloadStageApi } from '$lib/workers/download-stage-worker';

/**
 * Room the staging file may take beyond the download itself before Ferry writes straight into
 * the picked file instead (the origin's other data and the browser's own bookkeeping).
 */
const STAGING_HEADROOM = 256 * 1024 * 1024;

/**
 * Writes a download into the file picked with `showSaveFilePicker` by way of a staging file in
 * the origin-private file system (workers/download-stage-worker.ts).
 *
 * Why not write into the picked file directly (file-handle-writer.ts): Chromium keeps a
 * writable stream's bytes in a swap file until close(), and reopening with keepExistingData
 * copies the whole file into a new swap file. Resume points therefore cost a copy of
 * everything so far (1 GiB took 7.5 s here), and a browser that dies between them loses what
 * came after the last one. A FileSystemSyncAccessHandle writes in place: each range is on disk
 * when `write` returns, so after a crash only the ranges in flight are fetched again, and the
 * picked file is filled in order from the staging file while the download runs.
 */
export class StagedFileWriter implements DownloadWriter {
	readonly mode = 'offset' as const;
	readonly #destination: FileSystemFileHandle;
	readonly #size: number;
	readonly #name: string;
	#worker: Worker | null = null;
	#api: Comlink.Remote<DownloadStageApi> | null = null;
	#opened: Promise<boolean> | null = null;

	/** `stagingName` must be unique per download: the download id. */
	constructor(destination: FileSystemFileHandle, size: number, stagingName: string) {
		this.#destination = destination;
		this.#size = size;
		this.#name = stagingFileName(stagingName);
	}

	resume(committed: readonly (readonly [number, number])[]): Promise<boolean> {
		this.#opened ??= this.#stage().open(
			this.#name,
			this.#destination,
			this.#size,
			committed.map(([start, end]) => [start, end])
		);
		return this.#opened;
	}

	async write(position: number, bytes: Uint8Array<ArrayBuffer>): Promise<void> {
		await this.resume([]);
		// Flushed per range: the core remembers a range as soon as this returns.
		await this.#stage().write(position, Comlink.transfer(bytes, [bytes.buffer]), true);
	}

	async close(): Promise<void> {
		await this.resume([]);
		try {
			await this.#stage().finish();
		} finally {
			this.#dispose();
		}
	}

	async abort(): Promise<void> {
		if (!this.#api) return;
		try {
			await this.#api.close(true);
		} finally {
			this.#dispose();
		}
	}

	#stage(): Comlink.Remote<DownloadStageApi> {
		if (!this.#api) {
			this.#worker = startStageWorker('ferry-download-stage');
			this.#api = Comlink.wrap<DownloadStageApi>(this.#worker);
		}
		return this.#api;
	}

	#dispose(): void {
		this.#worker?.terminate();
		this.#worker = null;
		this.#api = null;
		this.#opened = null;
	}
}

/** File names in the staging folder: the download id made safe for a file name. */
function stagingFileName(downloadId: string): string {
	return downloadId.replace(/[^A-Za-z0-9_-]/g, '_');
}

/**
 * Whether a download of `size` bytes can be staged: the browser offers sync access handles
 * (Chromium, Safari, Firefox; visible only inside a dedicated worker, so one is asked) and
 * the origin has room for the whole file.
 */
export async function canStage(size: number): Promise<boolean> {
	if (typeof Worker === 'undefined' || !navigator.storage?.getDirectory) return false;
	try {
		const { quota = 0, usage = 0 } = await navigator.storage.estimate();
		if (quota - usage < size + STAGING_HEADROOM) return false;
		return await withStageWorker('ferry-download-stage-probe', (api) => api.supported());
	} catch {
		return false;
	}
}

/**
 * Deletes staging files that no saved download will resume (`keep`: their download ids),
 * e.g. a room download whose tab closed. A file another tab is writing is locked and stays.
 */
export async function removeOrphanedStaging(keep: readonly string[]): Promise<void> {
	if (typeof Worker === 'undefined' || !navigator.storage?.getDirectory) return;
	await withStageWorker('ferry-download-stage-cleanup', (api) =>
		api.removeOrphans(keep.map(stagingFileName))
	);
}

function startStageWorker(name: string): Worker {
	return new Worker(new URL('../../workers/download-stage-worker.ts', import.meta.url), {
		type: 'module',
		name
	});
}

async function withStageWorker<T>(
	name: string,
	task: (api: Comlink.Remote<DownloadStageApi>) => Promise<T>
): Promise<T> {
	const worker = startStageWorker(name);
	try {
		return await task(Comlink.wrap<DownloadStageApi>(worker));
	} finally {
		worker.terminate();
	}
}
