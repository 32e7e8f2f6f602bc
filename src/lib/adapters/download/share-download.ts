import { systemClock, mathRandom } from '$lib/adapters/clock';
import { parseHeader } from '$lib/core/crypto';
import {
	Downloader,
	planEncryptedRanges,
	planPlainRanges,
	type DownloadEvents,
	type DownloadWriter
} from '$lib/core/download';
import { WorkerDecryptTransform } from './decrypt-transform';
import { GrantUrlSource } from './grant-url-source';
import { IdbDownloadStore } from './idb-download-store';
import { FetchRangeFetcher } from './range-fetcher';

export interface ShareDownloadInput {
	token: string;
	grant: string;
	/** The URL that came with the grant; null after a reload (a fresh one is asked for). */
	url: string | null;
	/** Bytes as stored: ciphertext size for encrypted files. */
	storedSize: number;
	/** Encrypted files: the header from the link info and the key from the fragment. */
	encryption: { header: unknown; key: Uint8Array<ArrayBuffer> } | null;
	writer: DownloadWriter;
	events: DownloadEvents;
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
	const transform = input.encryption
		? new WorkerDecryptTransform(input.encryption.key, parseHeader(input.encryption.header))
		: null;
	const ranges = input.encryption
		? planEncryptedRanges(parseHeader(input.encryption.header))
		: planPlainRanges(input.storedSize);
	const downloader = new Downloader(
		input.grant,
		ranges,
		{
			urls: new GrantUrlSource(input.token, input.grant, input.url),
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
