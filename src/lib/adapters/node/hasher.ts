import { createHash } from 'node:crypto';
import { crc32 } from 'hash-wasm';
import type { ChecksumAlgorithm, Hasher } from '../../ports';

/** CRC-32C (Castagnoli), reversed form: what S3's x-amz-checksum-crc32c carries. */
export const CRC32C_POLYNOMIAL = 0x82f63b78;

/**
 * Part digests as S3's checksum headers carry them: base64 of the raw digest (big-endian for
 * CRC32C). SHA-256 uses node:crypto (about 5x hash-wasm here); CRC32C has no node:crypto form.
 */
export class NodeHasher implements Hasher {
	async hash(bytes: Uint8Array, algorithm: ChecksumAlgorithm): Promise<string> {
		if (algorithm === 'SHA256') return createHash('sha256').update(bytes).digest('base64');
		if (algorithm === 'CRC32C') {
			return Buffer.from(await crc32(bytes, CRC32C_POLYNOMIAL), 'hex').toString('base64');
		}
		throw new TypeError(`unknown checksum algorithm ${String(algorithm)}`);
	}
}
