import { mathRandom, systemClock } from '$lib/adapters/clock';
import { parseHeader } from '$lib/core/crypto';
import { TransferError } from '$lib/core/errors';
import {
	Downloader,
	planEncryptedRanges,
	planPlainRanges,
	type DownloadEvents,
	type DownloadUrlSource,
	type DownloadWriter
} from '$lib/core/download';
import { WorkerDecryptTransform } from './decrypt-transform';
import { IdbDownloadStore } from './idb-download-store';
import { FetchRangeFetcher } from './range-fetcher';

/**
 * A room member's presigned GET (GET /api/files/{id}/download, 5 minutes, Range works); a
 * refresh asks again with the member's session, so the member's role is checked each time.
 */
export class MemberUrlSource implements DownloadUrlSource {
	#url: string | null = null;

	constructor(private readonly fileId: string) {}

	async getUrl(refresh: boolean): Promise<string> {
		if (this.#url !== null && !refresh) return this.#url;
		let response: Response;
		try {
			response = await fetch(`/api/files/${encodeURIComponent(this.fileId)}/download`, {
				cache: 'no-store'
			});
		} catch (error) {
			throw new TransferError('network', 'Ferry could not be reached for a download URL', {
				cause: error
			});
		}
		if (!response.ok) {
			const body = (await response.json().catch(() => null)) as {
				error?: { message?: string };
			} | null;
			const message = body?.error?.message ?? `HTTP ${response.status}`;
			throw new TransferError(response.status >= 500 ? 'http_5xx' : 'http_4xx', message, {
				httpStatus: response.status,
				retryable: response.status >= 500
			});
		}
		this.#url = ((await response.json()) as { url: string }).url;
		return this.#url;
	}
}

export interface MemberDownloadInput {
	/** Unique per download (the writer's staging file is named after it). */
	downloadId: string;
	fileId: string;
	/** Bytes as stored: the ciphertext size for encrypted files. */
	storedSize: number;
	/** Encrypted files: the stored header and the file key (from the room key or this browser). */
	encryption: { header: unknown; key: Uint8Array<ArrayBuffer> } | null;
	writer: DownloadWriter;
	events: DownloadEvents;
}

/**
 * The room view's download: the same engine as a share link's (parallel ranged GETs,
 * decryption in a worker, written at offsets), with URLs from the member's own session.
 */
export function createMemberDownload(input: MemberDownloadInput): {
	downloader: Downloader;
	transform: WorkerDecryptTransform | null;
} {
	const header = input.encryption ? parseHeader(input.encryption.header) : null;
	const transform =
		input.encryption && header ? new WorkerDecryptTransform(input.encryption.key, header) : null;
	const downloader = new Downloader(
		input.downloadId,
		header ? planEncryptedRanges(header) : planPlainRanges(input.storedSize),
		{
			urls: new MemberUrlSource(input.fileId),
			fetcher: new FetchRangeFetcher(),
			writer: input.writer,
			store: new IdbDownloadStore(),
			clock: systemClock,
			random: mathRandom,
			transform: transform ?? undefined
		},
		input.events
	);
	return { downloader, transform };
}
