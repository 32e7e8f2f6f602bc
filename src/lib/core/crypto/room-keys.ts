import { encodeBase64url, decodeBase64url } from './base64url';
import { KEY_SIZE } from './constants';
import { CryptoFormatError } from './errors';
import { headerAad, type EncryptionHeader } from './header';

/**
 * Room keys (docs/encryption.md, "End-to-end encrypted rooms"). A room key is 32 random bytes
 * made in the creating browser; it travels only in invite-link fragments and lives in each
 * member's IndexedDB. It never encrypts file bytes: it wraps each file's own key.
 *
 * Wrapping is AES-256-GCM under a key derived from the room key with HKDF, not AES-KW:
 *  - AES-KW has no associated data, so a server could copy a wrapped key from one file's row to
 *    another's and the unwrap would still succeed. GCM's AAD binds the wrapped key to the room
 *    id and to the file's record header, whose random nonce base is unique to that file: moved
 *    to another file or room, the tag no longer verifies.
 *  - The fileId is assigned by the server when the upload is created, after the key is wrapped,
 *    so it cannot be in the AAD; the nonce base is known earlier and is as unique (96 random
 *    bits) and already stored next to the wrapped key.
 *  - HKDF gives the wrapping key its own purpose label, so the raw room key is never used
 *    directly by two algorithms; a random 96-bit nonce per wrap is safe for the few thousand
 *    files a room holds.
 */

const WRAP_PREFIX = 'w1.';
const NONCE_SIZE = 12;
const TAG_SIZE = 16;
const WRAPPED_SIZE = NONCE_SIZE + KEY_SIZE + TAG_SIZE;
const WRAP_INFO = new TextEncoder().encode('ferry/v1/room-key-wrap');
const AAD_LABEL = new TextEncoder().encode('ferry/v1/wrapped-file-key\0');
/** Fragment parameter of an invite link: `/invite/{token}#rk=...`. */
const FRAGMENT_PARAM = 'rk';

/** A fresh room key. Raw bytes, because it must be put into invite links. */
export function generateRoomKey(): Uint8Array<ArrayBuffer> {
	return crypto.getRandomValues(new Uint8Array(KEY_SIZE));
}

function checkKey(key: Uint8Array, what: string): void {
	if (key.length !== KEY_SIZE) {
		throw new CryptoFormatError('invalid_key', `a ${what} is 32 bytes`, { length: key.length });
	}
}

async function wrappingKey(roomKey: Uint8Array<ArrayBuffer>, usage: KeyUsage): Promise<CryptoKey> {
	checkKey(roomKey, 'room key');
	const ikm = await crypto.subtle.importKey('raw', roomKey, 'HKDF', false, ['deriveKey']);
	return crypto.subtle.deriveKey(
		{ name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info: WRAP_INFO },
		ikm,
		{ name: 'AES-GCM', length: 256 },
		false,
		[usage]
	);
}

/** What a wrapped key is bound to: the label, the room id, a NUL, and the file's header. */
export function wrapAad(roomId: string, header: EncryptionHeader): Uint8Array<ArrayBuffer> {
	const room = new TextEncoder().encode(roomId);
	const file = headerAad(header);
	const out = new Uint8Array(AAD_LABEL.length + room.length + 1 + file.length);
	out.set(AAD_LABEL);
	out.set(room, AAD_LABEL.length);
	out.set(file, AAD_LABEL.length + room.length + 1);
	return out;
}

/** `nonce` is for known-answer tests only; real callers let it be random. */
export async function wrapFileKey(
	roomKey: Uint8Array<ArrayBuffer>,
	fileKey: Uint8Array<ArrayBuffer>,
	binding: { roomId: string; header: EncryptionHeader },
	nonce: Uint8Array<ArrayBuffer> = crypto.getRandomValues(new Uint8Array(NONCE_SIZE))
): Promise<string> {
	checkKey(fileKey, 'file key');
	const key = await wrappingKey(roomKey, 'encrypt');
	const sealed = new Uint8Array(
		await crypto.subtle.encrypt(
			{ name: 'AES-GCM', iv: nonce, additionalData: wrapAad(binding.roomId, binding.header) },
			key,
			fileKey
		)
	);
	const out = new Uint8Array(NONCE_SIZE + sealed.length);
	out.set(nonce);
	out.set(sealed, NONCE_SIZE);
	return WRAP_PREFIX + encodeBase64url(out);
}

/** Throws CryptoFormatError 'decrypt_failed' for a wrong room key, another file's or room's key, or an altered byte. */
export async function unwrapFileKey(
	roomKey: Uint8Array<ArrayBuffer>,
	wrapped: string,
	binding: { roomId: string; header: EncryptionHeader }
): Promise<Uint8Array<ArrayBuffer>> {
	const bytes = wrapped.startsWith(WRAP_PREFIX)
		? decodeBase64url(wrapped.slice(WRAP_PREFIX.length))
		: null;
	if (bytes?.length !== WRAPPED_SIZE) {
		throw new CryptoFormatError('invalid_header', 'a wrapped file key is not in the w1 format');
	}
	const key = await wrappingKey(roomKey, 'decrypt');
	try {
		const plain = await crypto.subtle.decrypt(
			{
				name: 'AES-GCM',
				iv: bytes.subarray(0, NONCE_SIZE),
				additionalData: wrapAad(binding.roomId, binding.header)
			},
			key,
			bytes.subarray(NONCE_SIZE)
		);
		return new Uint8Array(plain);
	} catch {
		throw new CryptoFormatError(
			'decrypt_failed',
			"the file's key could not be unwrapped: wrong room key, or the key belongs to another file"
		);
	}
}

/** The fragment of an invite link, without the `#`. */
export function roomKeyToFragment(roomKey: Uint8Array): string {
	checkKey(roomKey, 'room key');
	return `${FRAGMENT_PARAM}=${encodeBase64url(roomKey)}`;
}

/** Null when the fragment carries no well-formed room key (a link cut short when pasted, say). */
export function roomKeyFromFragment(fragment: string): Uint8Array<ArrayBuffer> | null {
	const value = new URLSearchParams(fragment.replace(/^#/, '')).get(FRAGMENT_PARAM);
	const key = value === null ? null : decodeBase64url(value);
	return key?.length === KEY_SIZE ? key : null;
}
