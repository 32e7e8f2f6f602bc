// Shared by the *.test.ts files next to it; not imported by production code.

import { createHeader, type EncryptionHeader } from './header';
import { importFileKey } from './keys';

export function hex(bytes: Uint8Array): string {
	return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export function fromHex(text: string): Uint8Array<ArrayBuffer> {
	return new Uint8Array(text.match(/../g)?.map((pair) => parseInt(pair, 16)) ?? []);
}

/** Deterministic, non-repeating within a record, so a misplaced byte shows. */
export function pattern(length: number, seed = 0): Uint8Array<ArrayBuffer> {
	const out = new Uint8Array(length);
	for (let i = 0; i < length; i++) out[i] = (i + seed) % 251;
	return out;
}

export const KAT_KEY = fromHex('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f');
export const KAT_NONCE_BASE = fromHex('f0f1f2f3f4f5f6f7f8f9fafb');
export const SMALL_RECORD = 4096;

export function katKey(): Promise<CryptoKey> {
	return importFileKey(KAT_KEY);
}

export function smallHeader(plaintextSize: number, nonceBase = KAT_NONCE_BASE): EncryptionHeader {
	return createHeader({ plaintextSize, recordSize: SMALL_RECORD, nonceBase });
}

/** Concatenates a stream's chunks. */
export async function collect(
	stream: ReadableStream<Uint8Array>
): Promise<Uint8Array<ArrayBuffer>> {
	const parts: Uint8Array[] = [];
	const reader = stream.getReader();
	for (let read = await reader.read(); !read.done; read = await reader.read()) {
		parts.push(read.value);
	}
	const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
	let offset = 0;
	for (const part of parts) {
		out.set(part, offset);
		offset += part.length;
	}
	return out;
}

/** A stream that hands out `bytes` in chunks of the given sizes, cycling through them. */
export function chunked(
	bytes: Uint8Array<ArrayBuffer>,
	sizes: number[]
): ReadableStream<Uint8Array<ArrayBuffer>> {
	let offset = 0;
	let turn = 0;
	return new ReadableStream({
		pull(controller) {
			if (offset >= bytes.length) return controller.close();
			const size = sizes[turn++ % sizes.length]!;
			controller.enqueue(bytes.slice(offset, offset + size));
			offset += size;
		}
	});
}

/**
 * -1 when equal, else the first differing index (or the shorter length).
 * vitest's deep equality walks typed arrays element by element and takes
 * seconds on a few hundred KiB; this keeps failures readable and tests fast.
 */
export function firstDifference(a: Uint8Array, b: Uint8Array): number {
	const length = Math.min(a.length, b.length);
	for (let i = 0; i < length; i++) if (a[i] !== b[i]) return i;
	return a.length === b.length ? -1 : length;
}
