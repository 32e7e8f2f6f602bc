import type { Downloader } from '$lib/core/download';
import { createBrowserDownload, type BrowserDownloadInput } from './browser-download';
import type { WorkerDecryptTransform } from './decrypt-transform';
import { GrantUrlSource } from './grant-url-source';

export interface ShareDownloadInput extends BrowserDownloadInput {
	token: string;
	grant: string;
	/** The URL that came with the grant; null after a reload (a fresh one is asked for). */
	url: string | null;
}

/**
 * Wires the download core to the browser for one share-link download: ranged fetches from
 * the grant's presigned URLs, decryption in a worker, the writer the page chose and the
 * IndexedDB store. The grant doubles as the download id: it is unique per counted download,
 * and a reload that finds it resumes without counting again.
 */
export function createShareDownload(input: ShareDownloadInput): {
	downloader: Downloader;
	transform: WorkerDecryptTransform | null;
} {
	return createBrowserDownload(
		input.grant,
		new GrantUrlSource(input.token, input.grant, input.url),
		input
	);
}
