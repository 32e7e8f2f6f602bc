import {
	TAG_SIZE,
	ciphertextPartSize,
	ciphertextSize,
	createHeader,
	encryptRecords,
	generateFileKey,
	importFileKey,
	parseHeader,
	type EncryptionHeader
} from '$lib/core/crypto';
import type { Cipher, EncryptionDescriptor } from '$lib/ports';

/** Opaque strings the API stores next to the header (docs/encryption.md). */
export interface SealedExtras {
	wrappedKey?: string;
	encryptedMetadata?: string;
}

/**
 * The Cipher port over Ferry's record format (docs/encryption.md): AES-256-GCM records of
 * `header.recordSize` plaintext bytes, each part holding whole records. The descriptor is the
 * header (never the key) plus, with `withExtras`, the wrapped key and sealed name; the upload
 * API adapter sends them as `encryption: { header, wrappedKey, encryptedMetadata }`.
 */
export class RecordCipher implements Cipher {
	readonly descriptor: EncryptionDescriptor;
	readonly header: EncryptionHeader;
	readonly #key: CryptoKey;

	private constructor(key: CryptoKey, header: EncryptionHeader, extras: SealedExtras = {}) {
		this.#key = key;
		this.header = header;
		this.descriptor = { ...header, ...extras };
	}

	/** The same cipher, its descriptor also carrying a wrapped key and the sealed name. */
	withExtras(extras: SealedExtras): RecordCipher {
		return new RecordCipher(this.#key, this.header, extras);
	}

	/** A new file: a fresh key and nonce base. Returns the raw key for the caller to keep. */
	static async create(
		plaintextSize: number
	): Promise<{ cipher: RecordCipher; rawKey: Uint8Array<ArrayBuffer> }> {
		const rawKey = generateFileKey();
		const header = createHeader({ plaintextSize });
		return { cipher: new RecordCipher(await importFileKey(rawKey), header), rawKey };
	}

	/** Resume: the same key and header, so re-sent parts encrypt to the same bytes. */
	static async restore(rawKey: Uint8Array<ArrayBuffer>, header: unknown): Promise<RecordCipher> {
		return new RecordCipher(await importFileKey(rawKey), parseHeader(header));
	}

	/**
	 * For the worker pool (src/lib/workers/part-pool.ts): a CryptoKey can be posted to another
	 * worker without ever being exported, so the raw key stays where it was imported.
	 */
	get key(): CryptoKey {
		return this.#key;
	}

	plaintextPartSize(encryptedPartSize: number): number {
		const stride = this.header.recordSize + TAG_SIZE;
		return Math.floor(encryptedPartSize / stride) * this.header.recordSize;
	}

	encryptedLength(plainLength: number, isLast: boolean): number {
		const { recordSize } = this.header;
		if (isLast) return ciphertextSize(plainLength, recordSize);
		return plainLength === 0 ? 0 : ciphertextPartSize(plainLength, recordSize);
	}

	encryptPart(partIndex: number, bytes: Uint8Array, isLast: boolean): Promise<Uint8Array> {
		const { recordSize, plaintextSize } = this.header;
		// Every part but the last is full, so its start follows from its own length; the last
		// part ends at the end of the file.
		const start = isLast ? plaintextSize - bytes.length : partIndex * bytes.length;
		const plain = bytes as Uint8Array<ArrayBuffer>;
		return encryptRecords(this.#key, this.header, start / recordSize, plain, isLast);
	}
}
