import {
	TAG_SIZE,
	encryptRecords,
	importFileKey,
	parseHeader,
	recordCount,
	type EncryptionHeader
} from '../../core/crypto';
import type { Cipher, EncryptionDescriptor } from '../../ports';

/**
 * The core's Cipher port over the record format of docs/encryption.md. Nothing here is
 * Node-specific (WebCrypto only), but the browser gets its cipher from a worker; this one runs
 * in the calling thread, which is what a test or a CLI wants.
 *
 * Parts hold whole records (step 8), so part `i` starts at record `i * partRecords`, and the
 * last part ends at the file's last record: both follow from the part's length alone, and
 * re-encrypting a part gives the same bytes, as resume and retries need.
 */
export class RecordCipher implements Cipher {
	readonly descriptor: EncryptionDescriptor;
	readonly header: EncryptionHeader;
	readonly #key: CryptoKey;
	readonly #totalRecords: number;

	private constructor(key: CryptoKey, header: EncryptionHeader, extra: EncryptionExtras) {
		this.#key = key;
		this.header = header;
		this.#totalRecords = recordCount(header.plaintextSize, header.recordSize);
		this.descriptor = Object.freeze({ ...header, ...extra });
	}

	/**
	 * `key` is the 32-byte file key (imported non-extractable here) or an AES-GCM CryptoKey.
	 * The header must be this file's: same plaintextSize, and on resume the same nonce base.
	 */
	static async create(init: {
		key: Uint8Array<ArrayBuffer> | CryptoKey;
		header: EncryptionHeader;
		/** Opaque strings the API stores next to the header (a wrapped key, encrypted metadata). */
		extras?: EncryptionExtras;
	}): Promise<RecordCipher> {
		const header = parseHeader(init.header);
		const key = init.key instanceof Uint8Array ? await importFileKey(init.key) : init.key;
		return new RecordCipher(key, header, init.extras ?? {});
	}

	plaintextPartSize(encryptedPartSize: number): number {
		// A size that is not whole records maps to fewer bytes; createLayout then refuses the plan.
		return (
			Math.floor(encryptedPartSize / (this.header.recordSize + TAG_SIZE)) * this.header.recordSize
		);
	}

	encryptedLength(plainLength: number, isLast: boolean): number {
		const records = Math.ceil(plainLength / this.header.recordSize);
		// Only the file's final chunk may be empty, and it still carries one record (a tag).
		return plainLength + (isLast ? Math.max(1, records) : records) * TAG_SIZE;
	}

	async encryptPart(partIndex: number, bytes: Uint8Array, isLast: boolean): Promise<Uint8Array> {
		const { recordSize } = this.header;
		const first = isLast
			? this.#totalRecords - Math.max(1, Math.ceil(bytes.length / recordSize))
			: (partIndex * bytes.length) / recordSize;
		return encryptRecords(this.#key, this.header, first, ownBuffer(bytes), isLast);
	}
}

export interface EncryptionExtras {
	wrappedKey?: string;
	encryptedMetadata?: string;
}

/** WebCrypto wants bytes on a plain ArrayBuffer; copy only if they live elsewhere. */
function ownBuffer(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
	return bytes.buffer instanceof ArrayBuffer
		? (bytes as Uint8Array<ArrayBuffer>)
		: new Uint8Array(bytes);
}
