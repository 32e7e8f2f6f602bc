// Unpadded base64url (RFC 4648 §5) written out by hand: `btoa` works on
// "binary strings" and Node's Buffer is not available in browsers, and the
// header only ever encodes a handful of bytes.

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const LOOKUP = new Map([...ALPHABET].map((char, index) => [char, index]));

export function encodeBase64url(bytes: Uint8Array): string {
	let out = '';
	for (let i = 0; i < bytes.length; i += 3) {
		const b0 = bytes[i]!;
		const b1 = bytes[i + 1] ?? 0;
		const b2 = bytes[i + 2] ?? 0;
		const triple = (b0 << 16) | (b1 << 8) | b2;
		const chars = Math.min(4, Math.ceil(((bytes.length - i) * 8) / 6));
		for (let c = 0; c < chars; c++) out += ALPHABET[(triple >> (18 - 6 * c)) & 63];
	}
	return out;
}

/**
 * Returns null for anything that is not canonical unpadded base64url, including
 * strings whose unused trailing bits are set: two spellings of one nonce base
 * would let the same header compare unequal.
 */
export function decodeBase64url(text: string): Uint8Array<ArrayBuffer> | null {
	if (text.length % 4 === 1) return null;
	const out = new Uint8Array(Math.floor((text.length * 6) / 8));
	let buffer = 0;
	let bits = 0;
	let o = 0;
	for (const char of text) {
		const value = LOOKUP.get(char);
		if (value === undefined) return null;
		buffer = ((buffer << 6) | value) & 0xffffff;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (buffer >> bits) & 0xff;
		}
	}
	if ((buffer & ((1 << bits) - 1)) !== 0) return null;
	return out;
}
