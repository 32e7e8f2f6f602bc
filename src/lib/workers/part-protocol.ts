import type { EncryptionHeader } from '$lib/core/crypto';
import type { ChecksumAlgorithm } from '$lib/ports';

/** One part for a pool worker: a lazy slice of the plaintext, and how to turn it into the stored part. */
export interface PartJob {
	/** The plaintext slice; posting a Blob passes a reference, not its bytes. */
	plain: Blob;
	partIndex: number;
	isLast: boolean;
	algorithm: ChecksumAlgorithm | undefined;
	/** Set for encrypted transfers. A CryptoKey is structured-cloneable even when not extractable. */
	encryption?: { key: CryptoKey; header: EncryptionHeader };
	/** The upload worker's spool (part-spool.ts) for sealed parts; without one they are Blobs. */
	spool?: string;
}

export interface PartResult {
	/**
	 * Undefined for a plain part: the caller sends its own slice, which the browser streams from
	 * disk. A sealed part is a spool File (deleted after its PUT) or, without a spool, a Blob
	 * (which is never a File).
	 */
	body: Blob | undefined;
	size: number;
	checksum: string | undefined;
}

/** The Comlink surface of part-worker.ts. */
export interface PartWorkerApi {
	prepare(job: PartJob): Promise<PartResult>;
}
