import { mathRandom, systemClock } from '$lib/adapters/clock';
import { parseHeader } from '$lib/core/crypto';
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

export interface BrowserDownloadInput {
	/** Bytes as stored: the ciphertext size for encrypted files. */
	storedSize: number;
	/** Encrypted files: the stored header and the file key. */
	encryption: { header: unknown; key: Uint8Array<ArrayBuffer> } | null;
	writer: DownloadWriter;
	events: DownloadEvents;
}

/**
 * The download core wired to the browser: ranged fetches from `urls`, decryption in a worker
 * for encrypted files, the writer the page chose and the IndexedDB store. Share links and the
 * room view differ only in the id and where the URLs come from.
 */
export function createBrowserDownload(
	downloadId: string,
	urls: DownloadUrlSource,
	input: BrowserDownloadInput
): { downloader: Downloader; transform: WorkerDecryptTransform | null } {
	const header = input.encryption ? parseHeader(input.encryption.header) : null;
	const transform =
		input.encryption && header ? new WorkerDecryptTransform(input.encryption.key, header) : null;
	const downloader = new Downloader(
		downloadId,
		header ? planEncryptedRanges(header) : planPlainRanges(input.storedSize),
		{
			urls,
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
