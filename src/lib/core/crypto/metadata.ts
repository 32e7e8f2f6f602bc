import { encodeBase64url, decodeBase64url } from './base64url';
import { KEY_SIZE } from './constants';
import { CryptoFormatError } from './errors';

/**
 * What an encrypted file's uploader knows and the server must not: its name and type.
 * Stored as `encryptedMetadata` beside the file (docs/encryption.md, "File metadata").
 */
export interface FileMetadata {
	name: string;
	type: string;
	lastModified?: number;
}

const PREFIX = 'm1.';
const NONCE_SIZE = 12;
/** Names are padded to a multiple of this many bytes so the ciphertext length says little about them. */
const PAD_BLOCK = 64;
const INFO = new TextEncoder().encode('ferry/v1/file-metadata');

/**
 * The metadata key is derived from the file key with HKDF-SHA256 rather than
 * being the file key itself: the records use nonces derived from the header's
 * base, and a second use of the same key with random nonces would have to be
 * reasoned about against that scheme. A separate key needs no such argument.
 */
async function metadataKey(fileKey: Uint8Array<ArrayBuffer>, usage: KeyUsage): Promise<CryptoKey> {
	if (fileKey.length !== KEY_SIZE) {
		throw new CryptoFormatError('invalid_key', 'a file key is 32 bytes', {
			length: fileKey.length
		});
	}
	const ikm = await crypto.subtle.importKey('raw', fileKey, 'HKDF', false, ['deriveKey']);
	return crypto.subtle.deriveKey(
		{ name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info: INFO },
		ikm,
		{ name: 'AES-GCM', length: 256 },
		false,
		[usage]
	);
}

function pad(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
	// JSON never contains a raw NUL byte, so trailing zeros are unambiguous padding.
	const padded = new Uint8Array(Math.ceil((bytes.length + 1) / PAD_BLOCK) * PAD_BLOCK);
	padded.set(bytes);
	return padded;
}

function unpad(bytes: Uint8Array): Uint8Array {
	let end = bytes.length;
	while (end > 0 && bytes[end - 1] === 0) end--;
	return bytes.subarray(0, end);
}

/** `nonce` is for known-answer tests only; real callers let it be random. */
export async function encryptMetadata(
	fileKey: Uint8Array<ArrayBuffer>,
	metadata: FileMetadata,
	nonce: Uint8Array<ArrayBuffer> = crypto.getRandomValues(new Uint8Array(NONCE_SIZE))
): Promise<string> {
	const json: Record<string, unknown> = { n: metadata.name, t: metadata.type };
	if (metadata.lastModified !== undefined) json.m = metadata.lastModified;
	const plaintext = pad(new TextEncoder().encode(JSON.stringify(json)));
	const key = await metadataKey(fileKey, 'encrypt');
	const sealed = new Uint8Array(
		await crypto.subtle.encrypt({ name: 'AES-GCM', iv: nonce }, key, plaintext)
	);
	const out = new Uint8Array(NONCE_SIZE + sealed.length);
	out.set(nonce);
	out.set(sealed, NONCE_SIZE);
	return PREFIX + encodeBase64url(out);
}

export async function decryptMetadata(
	fileKey: Uint8Array<ArrayBuffer>,
	sealed: string
): Promise<FileMetadata> {
	const bytes = sealed.startsWith(PREFIX) ? decodeBase64url(sealed.slice(PREFIX.length)) : null;
	if (!bytes || bytes.length < NONCE_SIZE + 16) {
		throw new CryptoFormatError('invalid_header', 'encrypted metadata is not in the m1 format');
	}
	const key = await metadataKey(fileKey, 'decrypt');
	let plaintext: ArrayBuffer;
	try {
		plaintext = await crypto.subtle.decrypt(
			{ name: 'AES-GCM', iv: bytes.subarray(0, NONCE_SIZE) },
			key,
			bytes.subarray(NONCE_SIZE)
		);
	} catch {
		throw new CryptoFormatError(
			'decrypt_failed',
			'the file name could not be decrypted: wrong key or altered metadata'
		);
	}
	const parsed: unknown = JSON.parse(new TextDecoder().decode(unpad(new Uint8Array(plaintext))));
	if (typeof parsed !== 'object' || parsed === null) {
		throw new CryptoFormatError('invalid_header', 'encrypted metadata holds no object');
	}
	const { n, t, m } = parsed as Record<string, unknown>;
	if (
		typeof n !== 'string' ||
		typeof t !== 'string' ||
		(m !== undefined && typeof m !== 'number')
	) {
		throw new CryptoFormatError('invalid_header', 'encrypted metadata lacks a name or type');
	}
	return m === undefined ? { name: n, type: t } : { name: n, type: t, lastModified: m };
}

/** A file key as it travels in a share link's fragment (`/s/{token}#k=...`). */
export function fileKeyToFragment(fileKey: Uint8Array): string {
	return `k=${encodeBase64url(fileKey)}`;
}

/** Null when the fragment carries no well-formed key (a link cut short when pasted, say). */
export function fileKeyFromFragment(fragment: string): Uint8Array<ArrayBuffer> | null {
	const params = new URLSearchParams(fragment.replace(/^#/, ''));
	const value = params.get('k');
	const key = value === null ? null : decodeBase64url(value);
	return key && key.length === KEY_SIZE ? key : null;
}
