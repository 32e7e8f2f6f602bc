/**
 * Decrypts the ranges of an end-to-end encrypted download off the page's thread (see
 * adapters/download/decrypt-transform.ts). The key is imported here once, non-extractable;
 * ciphertext arrives and plaintext leaves as transferred buffers, so nothing is copied.
 */
import * as Comlink from 'comlink';
import { decryptRecords, importFileKey, type EncryptionHeader } from '$lib/core/crypto';

export interface DownloadDecryptApi {
	init(rawKey: Uint8Array<ArrayBuffer>, header: EncryptionHeader): Promise<void>;
	decrypt(
		firstRecord: number,
		recordCount: number,
		ciphertext: Uint8Array<ArrayBuffer>
	): Promise<Uint8Array<ArrayBuffer>>;
	/** JS heap of this worker (Chromium only), for the download benchmark. */
	heapBytes(): number | null;
}

let state: { key: CryptoKey; header: EncryptionHeader } | null = null;

const api: DownloadDecryptApi = {
	async init(rawKey, header) {
		state = { key: await importFileKey(rawKey), header };
	},
	async decrypt(firstRecord, recordCount, ciphertext) {
		if (!state) throw new Error('the decrypt worker has no key yet');
		const plain = await decryptRecords(
			state.key,
			state.header,
			firstRecord,
			ciphertext,
			recordCount
		);
		return Comlink.transfer(plain, [plain.buffer]);
	},
	heapBytes() {
		const memory = (performance as { memory?: { usedJSHeapSize: number } }).memory;
		return memory ? memory.usedJSHeapSize : null;
	}
};

Comlink.expose(api);
