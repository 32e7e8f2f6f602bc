import { createHash } from 'node:crypto';
import { crc32 } from 'hash-wasm';

const CASTAGNOLI = 0x82f63b78;

/** base64 of the digest, as S3's x-amz-checksum-* headers carry it. */
export type ChecksumAlgorithm = 'SHA256' | 'CRC32C' | 'MD5';

/** MD5 is here because some S3 servers (Ceph) enforce only Content-MD5 on parts. */
export async function digestBase64(algorithm: ChecksumAlgorithm, data: Uint8Array): Promise<string> {
	if (algorithm === 'SHA256') return createHash('sha256').update(data).digest('base64');
	if (algorithm === 'MD5') return createHash('md5').update(data).digest('base64');
	return Buffer.from(await crc32(data, CASTAGNOLI), 'hex').toString('base64');
}

/**
 * The whole-file checksum (S3 "composite" style): the digest of the
 * concatenated raw part digests, in part order. See src/lib/core/upload/checksum.ts.
 */
export async function compositeChecksum(algorithm: ChecksumAlgorithm, partChecksums: string[]): Promise<string> {
	return digestBase64(algorithm, Buffer.concat(partChecksums.map((c) => Buffer.from(c, 'base64'))));
}
