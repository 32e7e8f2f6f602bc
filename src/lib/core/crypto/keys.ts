import { KEY_SIZE } from './constants';
import { CryptoFormatError } from './errors';

/**
 * A fresh random AES-256 file key as raw bytes. Raw, because the key must
 * later be wrapped by a room key or put into a share link's fragment; the
 * CryptoKey used for records is imported non-extractable so code that only
 * encrypts or decrypts cannot leak it.
 */
export function generateFileKey(): Uint8Array<ArrayBuffer> {
	return crypto.getRandomValues(new Uint8Array(KEY_SIZE));
}

export async function importFileKey(raw: Uint8Array<ArrayBuffer>): Promise<CryptoKey> {
	if (raw.length !== KEY_SIZE) {
		throw new CryptoFormatError('invalid_key', 'a file key is 32 bytes', { length: raw.length });
	}
	return crypto.subtle.importKey('raw', raw, { name: 'AES-GCM' }, false, ['encrypt', 'decrypt']);
}
