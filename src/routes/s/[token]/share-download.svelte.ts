import { IdbDownloadStore } from '$lib/adapters/download/idb-download-store';
import { readShareError } from '$lib/adapters/download/grant-url-source';
import { createShareDownload } from '$lib/adapters/download/share-download';
import { ensureWritePermission } from '$lib/adapters/download/save-picker';
import { canStage } from '$lib/adapters/download/staged-file-writer';
import { saveWriter } from '$lib/adapters/download/save-writer';
import type { ServiceWorkerStreamWriter } from '$lib/adapters/download/sw-stream-writer';
import type { WorkerDecryptTransform } from '$lib/adapters/download/decrypt-transform';
import type { DownloadRow } from '$lib/adapters/idb/transfer-store';
import type { ShareInfo } from '$lib/adapters/download/share-info';
import type { Downloader, DownloadProgress, DownloadState } from '$lib/core/download';

export type { ShareInfo };

export interface Grant {
	grant: string;
	url: string;
}

/** What the page says for each refusal of the share API; the server's text is the fallback. */
export const refusalMessages: Record<string, string> = {
	not_found: 'This share link is not valid. Check that you copied all of it.',
	revoked: 'The person who shared this file has turned the link off.',
	expired: 'This share link has expired. Ask the person who shared it for a new one.',
	limit_reached:
		'This link has been used as many times as allowed. Ask the person who shared it for a new one.',
	ip_refused: 'This link may not be used from your network. Try from the network it was meant for.',
	rate_limited: 'Too many attempts. Wait a little and try again.',
	wrong_password: 'The password is wrong.',
	grant_expired: 'This download was idle for too long. Start it again.',
	grant_used: 'This download already finished.',
	grant_not_found: 'This download is no longer known. Start it again.'
};

export class ShareRequestError extends Error {
	constructor(
		readonly code: string,
		message: string
	) {
		super(message);
	}
}

export async function shareRequest<T>(method: string, route: string, body?: unknown): Promise<T> {
	let response: Response;
	try {
		response = await fetch(route, {
			method,
			credentials: 'omit',
			cache: 'no-store',
			headers: body === undefined ? {} : { 'content-type': 'application/json' },
			body: body === undefined ? undefined : JSON.stringify(body)
		});
	} catch {
		throw new ShareRequestError('network', 'Ferry could not be reached. Check your connection.');
	}
	if (response.ok) return (response.status === 204 ? undefined : await response.json()) as T;
	const error = await readShareError(response);
	// The server's wording adds what only it knows: how long to wait, that a password is needed.
	const ownWords = error.code === 'rate_limited' || error.message.includes('enter it');
	throw new ShareRequestError(
		error.code,
		ownWords ? error.message : (refusalMessages[error.code] ?? error.message)
	);
}

/**
 * UI state of one share-link download (runes only; the engine does the work). It reads the
 * core's events and exposes what the page shows: status, bytes, speed, ETA.
 */
export class ShareDownloadState {
	status = $state<DownloadState['status']>('idle');
	progress = $state<DownloadProgress | null>(null);
	error = $state<string | null>(null);
	#downloader: Downloader | null = null;
	#transform: WorkerDecryptTransform | null = null;
	#grant = $state('');
	readonly #store = new IdbDownloadStore();
	readonly #token: string;
	readonly #onOffline = (): void => void this.pause();
	readonly #onOnline = (): void => void this.resume();

	constructor(token: string) {
		this.#token = token;
	}

	/** The grant of the running download: the page previews limited links with it. */
	get grant(): string | null {
		return this.#grant || null;
	}

	/** An unfinished download of this link saved in this browser (after a reload or restart). */
	unfinished(): Promise<DownloadRow | undefined> {
		return this.#store.downloadForToken(this.#token);
	}

	async start(
		grant: Grant,
		handle: FileSystemFileHandle,
		info: ShareInfo,
		fileName: string,
		key: Uint8Array<ArrayBuffer> | null
	): Promise<void> {
		const plainSize = info.encryption ? info.encryption.header.plaintextSize : info.size;
		const row: DownloadRow = {
			downloadId: grant.grant,
			token: this.#token,
			grant: grant.grant,
			handle,
			staged: await canStage(plainSize),
			fileName,
			size: info.size,
			info,
			startedAt: Date.now()
		};
		await this.#store.saveDownload(row);
		await this.#run(row, grant.url, info, key);
	}

	/** No save picker: stream through the service worker into the browser's download. */
	async startStream(
		grant: Grant,
		writer: ServiceWorkerStreamWriter,
		info: ShareInfo,
		key: Uint8Array<ArrayBuffer> | null
	): Promise<void> {
		await this.#run(null, grant.url, info, key, writer, grant.grant);
	}

	/** Resumes a saved download; needs a click when the browser forgot the write permission. */
	async resumeSaved(row: DownloadRow, key: Uint8Array<ArrayBuffer> | null): Promise<void> {
		const info = row.info;
		if (!row.handle || !(await ensureWritePermission(row.handle))) {
			this.error = 'Ferry may not write to the file you picked. Allow it to resume.';
			return;
		}
		await this.#run(row, null, info, key);
	}

	async #run(
		row: DownloadRow | null,
		url: string | null,
		info: ShareInfo,
		key: Uint8Array<ArrayBuffer> | null,
		streamWriter: ServiceWorkerStreamWriter | null = null,
		streamGrant = ''
	): Promise<void> {
		this.#grant = row?.grant ?? streamGrant;
		this.error = null;
		const plainSize = info.encryption ? info.encryption.header.plaintextSize : info.size;
		const { downloader, transform } = createShareDownload({
			token: this.#token,
			grant: this.#grant,
			url,
			storedSize: info.size,
			encryption: info.encryption && key ? { header: info.encryption.header, key } : null,
			writer: streamWriter ?? saveWriter(row!.handle!, plainSize, row!.downloadId, !!row!.staged),
			events: {
				state: (state) => {
					this.status = state.status;
					if (state.status === 'failed') this.error = failureMessage(state.error.message);
				},
				progress: (progress) => (this.progress = progress)
			}
		});
		this.#downloader = downloader;
		this.#transform = transform;
		this.progress = downloader.progress();
		// Offline: pause at once (ranges in flight are dropped, written ones committed) rather
		// than burn the retries; back online, carry on.
		addEventListener('offline', this.#onOffline);
		addEventListener('online', this.#onOnline);
		await downloader.start();
		await this.#settle();
	}

	async #settle(): Promise<void> {
		if (this.status !== 'done' || !this.#grant) return;
		this.#detach();
		await shareRequest(
			'POST',
			`/api/s/${encodeURIComponent(this.#token)}/grants/${encodeURIComponent(this.#grant)}/complete`
		).catch(() => {
			// The file is saved; a lost completion report only leaves the grant open.
		});
	}

	#detach(): void {
		removeEventListener('offline', this.#onOffline);
		removeEventListener('online', this.#onOnline);
		this.#transform?.dispose();
		this.#transform = null;
	}

	async pause(): Promise<void> {
		await this.#downloader?.pause();
	}

	async resume(): Promise<void> {
		if (!this.#downloader || (this.status !== 'paused' && this.status !== 'failed')) return;
		if (!navigator.onLine) return;
		this.error = null;
		await this.#downloader.resume();
		await this.#settle();
	}

	async cancel(): Promise<void> {
		await this.#downloader?.cancel();
		this.#detach();
		this.#downloader = null;
	}

	/** JS heap of the decrypt worker (Chromium), for the benchmark. */
	workerHeapBytes(): Promise<number | null> {
		return this.#transform?.heapBytes() ?? Promise.resolve(null);
	}
}

function failureMessage(message: string): string {
	return `The download stopped: ${message}. Resume to continue where it stopped.`;
}
