import { createHash, randomBytes, type Hash } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { ReadableStream as NodeWebReadableStream } from 'node:stream/web';
import { createCRC32, createXXHash128, type IHasher } from 'hash-wasm';
import type { PartChecksum } from './types';

/**
 * Streams one part from the request body to disk while counting and hashing
 * it, so a 5 GiB part never sits in memory. The part only becomes visible
 * (renamed to part-NNNNN) once its length and checksum are proven.
 */

const CRC32C_POLYNOMIAL = 0x82f63b78;

export type WriteOutcome =
	| { ok: true; etag: string; size: number }
	| {
			ok: false;
			status: 400 | 404;
			code: 'length_mismatch' | 'checksum_mismatch' | 'no_such_upload';
			message: string;
	  };

export interface PartMeta {
	partNumber: number;
	size: number;
	etag: string;
	writtenAt: string;
}

export const partFileName = (partNumber: number) => `part-${String(partNumber).padStart(5, '0')}`;

/** Writes a small file so readers see either the old or the new content, never half. */
export async function writeFileAtomic(file: string, data: string, durable = true): Promise<void> {
	const tmp = `${file}.tmp-${randomBytes(6).toString('hex')}`;
	const handle = await open(tmp, 'w', 0o600);
	try {
		await handle.writeFile(data);
		if (durable) await handle.sync();
	} finally {
		await handle.close();
	}
	await rename(tmp, file);
}

class LengthExceeded extends Error {}

const WRITE_BATCH = 1024 * 1024;

/** A part body: a Web stream (SvelteKit's Request) or a Node stream (the node:http fast path). */
export type PartBody = ReadableStream<Uint8Array> | NodeJS.ReadableStream | null;

function toNodeStream(body: PartBody): NodeJS.ReadableStream {
	if (body === null) return Readable.from([]);
	if ('getReader' in body) return Readable.fromWeb(body as NodeWebReadableStream<Uint8Array>);
	return body;
}

export async function writePart(
	uploadDir: string,
	partNumber: number,
	expectedLength: number,
	checksum: PartChecksum | null,
	body: PartBody
): Promise<WriteOutcome> {
	const tmp = path.join(
		uploadDir,
		`.tmp-${partFileName(partNumber)}-${randomBytes(6).toString('hex')}`
	);
	// The ETag only has to identify the bytes; xxhash128 costs a fraction of MD5,
	// which we compute only when the client signed an MD5 checksum.
	const tag = await createXXHash128();
	const md5: Hash | null = checksum?.algorithm === 'MD5' ? createHash('md5') : null;
	const digest: Hash | null = checksum?.algorithm === 'SHA256' ? createHash('sha256') : null;
	const crc: IHasher | null =
		checksum?.algorithm === 'CRC32C' ? await createCRC32(CRC32C_POLYNOMIAL) : null;
	let received = 0;
	const source = toNodeStream(body) as AsyncIterable<Uint8Array>;
	try {
		const handle = await open(tmp, 'wx', 0o600);
		try {
			// Socket chunks are 16-64 KiB; gathering them into one writev per MiB keeps the
			// syscalls per part low without holding more than a MiB of it in memory.
			let batch: Uint8Array[] = [];
			let batchBytes = 0;
			for await (const chunk of source) {
				received += chunk.length;
				// Stop reading as soon as the body is longer than signed: no point storing it.
				if (received > expectedLength) throw new LengthExceeded();
				tag.update(chunk);
				md5?.update(chunk);
				digest?.update(chunk);
				crc?.update(chunk);
				batch.push(chunk);
				batchBytes += chunk.length;
				if (batchBytes >= WRITE_BATCH) {
					await handle.writev(batch);
					batch = [];
					batchBytes = 0;
				}
			}
			if (batch.length > 0) await handle.writev(batch);
			if (received === expectedLength) await handle.sync();
		} finally {
			await handle.close();
		}
	} catch (error) {
		await unlink(tmp).catch(() => {});
		if (error instanceof LengthExceeded) return lengthMismatch(expectedLength, 'more');
		if ((error as NodeJS.ErrnoException).code === 'ENOENT') return noSuchUpload();
		throw error;
	}
	if (received !== expectedLength) {
		await unlink(tmp).catch(() => {});
		return lengthMismatch(expectedLength, received);
	}
	if (checksum) {
		const actual =
			checksum.algorithm === 'MD5'
				? (md5 as Hash).digest('base64')
				: checksum.algorithm === 'SHA256'
					? (digest as Hash).digest('base64')
					: Buffer.from((crc as IHasher).digest('binary')).toString('base64');
		if (actual !== checksum.value) {
			await unlink(tmp).catch(() => {});
			return {
				ok: false,
				status: 400,
				code: 'checksum_mismatch',
				message: `The part's ${checksum.algorithm} does not match the signed checksum.`
			};
		}
	}
	const etag = `"${tag.digest('hex')}"`;
	try {
		const partPath = path.join(uploadDir, partFileName(partNumber));
		// Meta goes first so a crash between the two renames leaves a part without
		// meta (not listed, uploaded again), never meta describing other bytes.
		await unlink(`${partPath}.json`).catch(() => {});
		await rename(tmp, partPath);
		const meta: PartMeta = {
			partNumber,
			size: received,
			etag,
			writtenAt: new Date().toISOString()
		};
		// No fsync for the meta: the part's bytes are already durable, and a meta lost in a
		// crash only makes the part look absent, so the client sends it again. Never the reverse.
		await writeFileAtomic(`${partPath}.json`, JSON.stringify(meta), false);
	} catch (error) {
		await unlink(tmp).catch(() => {});
		if ((error as NodeJS.ErrnoException).code === 'ENOENT') return noSuchUpload();
		throw error;
	}
	return { ok: true, etag, size: received };
}

function lengthMismatch(expected: number, got: number | 'more'): WriteOutcome {
	const what = got === 'more' ? 'more than that' : `${got} bytes`;
	return {
		ok: false,
		status: 400,
		code: 'length_mismatch',
		message: `The URL was signed for ${expected} bytes; the body had ${what}.`
	};
}

function noSuchUpload(): WriteOutcome {
	return {
		ok: false,
		status: 404,
		code: 'no_such_upload',
		message: 'The upload does not exist (completed or aborted).'
	};
}
