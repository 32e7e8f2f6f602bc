import * as Comlink from 'comlink';
import { TransferError } from '$lib/core/errors';
import { isCryptoFormatError, type EncryptionHeader } from '$lib/core/crypto';
import type { DownloadRange, RangeTransform } from '$lib/core/download';
import type { DownloadDecryptApi } from '$lib/workers/download-decrypt-worker';

/**
 * The RangeTransform of an encrypted download: each range holds whole records (see
 * core/download/plan.ts) and is decrypted in one dedicated worker. WebCrypto runs AES-GCM on
 * its own threads, so one worker keeps up with several ranges in flight.
 */
export class WorkerDecryptTransform implements RangeTransform {
	readonly #worker: Worker;
	readonly #api: Comlink.Remote<DownloadDecryptApi>;
	readonly #ready: Promise<void>;

	constructor(rawKey: Uint8Array<ArrayBuffer>, header: EncryptionHeader) {
		this.#worker = new Worker(
			new URL('../../workers/download-decrypt-worker.ts', import.meta.url),
			{
				type: 'module',
				name: 'ferry-download-decrypt'
			}
		);
		this.#api = Comlink.wrap<DownloadDecryptApi>(this.#worker);
		// A copy: the caller keeps its key bytes; this one is transferred away.
		const key = new Uint8Array(rawKey);
		this.#ready = this.#api.init(Comlink.transfer(key, [key.buffer]), header);
	}

	async transform(
		range: DownloadRange,
		bytes: Uint8Array<ArrayBuffer>
	): Promise<Uint8Array<ArrayBuffer>> {
		await this.#ready;
		try {
			return await this.#api.decrypt(
				range.firstRecord ?? 0,
				range.recordCount ?? 0,
				Comlink.transfer(bytes, [bytes.buffer])
			);
		} catch (error) {
			// Errors lose their prototype across the worker boundary: branch on the code.
			const code = (error as { code?: unknown } | null)?.code;
			if (isCryptoFormatError(error) || code === 'decrypt_failed' || code === 'truncated') {
				throw new TransferError(
					'server_rejected',
					'the file could not be decrypted: the key in the link is wrong or the file was altered',
					{ retryable: false, cause: error }
				);
			}
			throw error;
		}
	}

	heapBytes(): Promise<number | null> {
		return this.#api.heapBytes();
	}

	dispose(): void {
		this.#worker.terminate();
	}
}
