import { TransferError } from '$lib/core/errors';
import type { Downloader, DownloadUrlSource } from '$lib/core/download';
import { createBrowserDownload, type BrowserDownloadInput } from './browser-download';
import type { WorkerDecryptTransform } from './decrypt-transform';

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

export interface MemberDownloadInput extends BrowserDownloadInput {
	/** Unique per download (the writer's staging file is named after it). */
	downloadId: string;
	fileId: string;
}

/**
 * The room view's download: the same engine as a share link's (parallel ranged GETs,
 * decryption in a worker, written at offsets), with URLs from the member's own session.
 */
export function createMemberDownload(input: MemberDownloadInput): {
	downloader: Downloader;
	transform: WorkerDecryptTransform | null;
} {
	return createBrowserDownload(input.downloadId, new MemberUrlSource(input.fileId), input);
}
