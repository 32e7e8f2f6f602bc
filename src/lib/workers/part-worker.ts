/**
 * A pool worker (see part-pool.ts): prepares one part at a time. Plain parts are hashed from the
 * Blob's stream, so no whole part is ever in memory; encrypted parts are read, sealed into
 * records, hashed, and handed back as a Blob, so the upload worker never holds their bytes.
 */
import * as Comlink from 'comlink';
import { encodeBase64 } from '@oslojs/encoding';
import { createCRC32, createSHA256, type IHasher } from 'hash-wasm';
import { encryptRecords } from '$lib/core/crypto';
import type { ChecksumAlgorithm } from '$lib/ports';
import type { PartJob, PartResult, PartWorkerApi } from './part-protocol';
import { spoolPart } from './part-spool';

const CASTAGNOLI = 0x82f63b78;
// One job at a time per worker (the pool's rule), so one instance per algorithm is never shared.
const hashers = new Map<ChecksumAlgorithm, Promise<IHasher>>();

function hasherFor(algorithm: ChecksumAlgorithm): Promise<IHasher> {
	let hasher = hashers.get(algorithm);
	if (!hasher) {
		hasher = algorithm === 'SHA256' ? createSHA256() : createCRC32(CASTAGNOLI);
		hashers.set(algorithm, hasher);
	}
	return hasher;
}

/**
 * Reads are synchronous (FileReaderSync, which dedicated workers have) in chunks of 8 MiB: about
 * a third less CPU per byte here than a Blob stream's small chunks and their promises, and this
 * worker has nothing else to do meanwhile. At most one chunk is in memory.
 */
const READ_CHUNK = 8 * 1024 * 1024;
const fileReader = new FileReaderSync();

function readSync(blob: Blob): Uint8Array<ArrayBuffer> {
	try {
		return new Uint8Array(fileReader.readAsArrayBuffer(blob));
	} catch (error) {
		return unreadable(error);
	}
}

/** Hashes a Blob chunk by chunk; returns its size too, to catch a file that changed. */
async function hashBlob(
	blob: Blob,
	algorithm: ChecksumAlgorithm | undefined
): Promise<{ size: number; checksum: string | undefined }> {
	const hasher = algorithm ? await hasherFor(algorithm) : null;
	hasher?.init();
	let size = 0;
	for (let at = 0; at < blob.size; at += READ_CHUNK) {
		const chunk = readSync(blob.slice(at, Math.min(blob.size, at + READ_CHUNK)));
		size += chunk.length;
		hasher?.update(chunk);
	}
	// CRC32C: big-endian 4 bytes, the form S3's x-amz-checksum-crc32c carries.
	return { size, checksum: hasher ? encodeBase64(hasher.digest('binary')) : undefined };
}

async function encrypt(job: PartJob & Required<Pick<PartJob, 'encryption'>>): Promise<PartResult> {
	const { key, header } = job.encryption;
	const plain = readSync(job.plain);
	// Every part but the last is full, so its start follows from its own length; the last part
	// ends at the end of the file (the same rule as RecordCipher.encryptPart).
	const start = job.isLast ? header.plaintextSize - plain.length : job.partIndex * plain.length;
	const sealed = await encryptRecords(key, header, start / header.recordSize, plain, job.isLast);
	let checksum: string | undefined;
	if (job.algorithm) {
		const hasher = await hasherFor(job.algorithm);
		hasher.init();
		hasher.update(sealed);
		checksum = encodeBase64(hasher.digest('binary'));
	}
	// A file-backed body (see part-spool.ts); a Blob where the spool cannot be used.
	if (job.spool) {
		try {
			return {
				body: await spoolPart(job.spool, sealed),
				size: sealed.length,
				checksum
			};
		} catch {
			// Out of quota, or OPFS refused: the part still goes, as an in-memory Blob.
		}
	}
	return { body: new Blob([sealed]), size: sealed.length, checksum };
}

/**
 * Any failure to read the slice means the browser lost the file (Chromium errors a changed
 * file's stream with varying names). Errors lose their prototype across Comlink; the name the
 * adapter branches on survives.
 */
function unreadable(error: unknown): never {
	const name = (error as { name?: unknown } | null)?.name;
	const message = name === 'NotFoundError' ? 'the file is no longer there' : String(error);
	const failure = new Error(message);
	failure.name = name === 'NotFoundError' ? name : 'NotReadableError';
	throw failure;
}

const api: PartWorkerApi = {
	async prepare(job) {
		if (job.encryption) return await encrypt({ ...job, encryption: job.encryption });
		const { size, checksum } = await hashBlob(job.plain, job.algorithm);
		return { body: undefined, size, checksum };
	}
};

Comlink.expose(api);
