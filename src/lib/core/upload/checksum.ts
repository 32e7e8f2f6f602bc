import { decodeBase64 } from '@oslojs/encoding';
import type { ChecksumAlgorithm, CompleteUploadInput, Hasher } from '../../ports';
import type { PreparedSession } from './session';

/**
 * The whole-file checksum sent to `complete`, S3 "COMPOSITE" style, exactly:
 *  1. each part's checksum is `base64(H(stored bytes of the part))`, standard alphabet, padded;
 *  2. decode each part checksum to raw digest bytes (4 bytes for CRC32C, 32 for SHA256);
 *  3. concatenate them in part-number order (1..N);
 *  4. the file checksum is `base64(H(concatenation))`, without S3's `-N` suffix.
 * S3 reports the same value as `<value>-<N>` (see `toS3CompositeForm`).
 */
export async function compositeChecksum(
	hasher: Hasher,
	partChecksums: readonly string[],
	algorithm: ChecksumAlgorithm
): Promise<string> {
	const digests = partChecksums.map((checksum) => decodeBase64(checksum));
	const joined = new Uint8Array(digests.reduce((n, d) => n + d.length, 0));
	let offset = 0;
	for (const digest of digests) {
		joined.set(digest, offset);
		offset += digest.length;
	}
	return hasher.hash(joined, algorithm);
}

export function toS3CompositeForm(value: string, partCount: number): string {
	return `${value}-${partCount}`;
}

/**
 * The body of `complete`: every part's ETag in order, plus the composite checksum when one is
 * in use. After a crash past complete (`remoteCompleted`) the object already exists and our
 * part checksums may be gone; complete is idempotent, so we send none.
 */
export async function buildCompleteInput(
	prepared: Pick<PreparedSession, 'parts' | 'checksumAlgorithm' | 'remoteCompleted'>,
	hasher: Hasher | undefined
): Promise<CompleteUploadInput> {
	const parts = prepared.parts.map((p) => ({ partNumber: p.partNumber, etag: p.etag ?? '' }));
	const input: CompleteUploadInput = { parts };
	const algorithm = prepared.checksumAlgorithm;
	if (algorithm && hasher && !prepared.remoteCompleted) {
		const sums = prepared.parts.map((p) => p.checksum ?? '');
		input.checksum = { algorithm, value: await compositeChecksum(hasher, sums, algorithm) };
	}
	return input;
}
