/**
 * The contract every storage provider implements. The rest of Ferry reads
 * `capabilities` instead of asking which kind of provider it talks to, so a
 * new backend only has to fill in this interface honestly.
 */

/** Per-part integrity checks a provider can enforce itself (base64 digests). */
export type ChecksumAlgorithm = 'SHA256' | 'CRC32C' | 'MD5';

export const checksumAlgorithms = [
	'SHA256',
	'CRC32C',
	'MD5'
] as const satisfies readonly ChecksumAlgorithm[];

export interface StorageCapabilities {
	/** Parts go from the browser straight to storage with signed URLs. */
	presignedPartUrls: boolean;
	/** A lost client can ask which parts the storage already holds. */
	listParts: boolean;
	/** Algorithms whose digest, when signed into a part URL, storage verifies. */
	perPartChecksums: readonly ChecksumAlgorithm[];
	/** Every part but the last must have the same size (Cloudflare R2). */
	equalPartSizesRequired: boolean;
	serverSideEncryption: boolean;
	maxParts: number;
	/** Smallest size of a part that is not the last one. */
	minPartSize: number;
	maxPartSize: number;
	maxObjectSize: number;
}

export interface PartChecksum {
	algorithm: ChecksumAlgorithm;
	/** Base64 of the digest bytes, as S3's x-amz-checksum-* and Content-MD5 headers carry it. */
	value: string;
}

export interface PartToSign {
	partNumber: number;
	/** Exact byte length of the part; providers that can, refuse any other length. */
	size: number;
	checksum?: PartChecksum;
}

export interface SignedPartUrl {
	partNumber: number;
	url: string;
	method: 'PUT';
	/** Headers the client must send unchanged, or storage refuses the part. */
	headers: Record<string, string>;
	expiresAt: Date;
}

export interface StoredPart {
	partNumber: number;
	size: number;
	etag: string;
}

export interface CompletedPart {
	partNumber: number;
	etag: string;
}

export interface ObjectInfo {
	size: number;
	etag: string;
	contentType: string;
}

export interface HealthResult {
	ok: boolean;
	latencyMs: number;
	error?: string;
}

export interface UploadRef {
	key: string;
	uploadId: string;
}

export interface SignPartUrlsInput extends UploadRef {
	parts: PartToSign[];
	/** Defaults to 900 seconds. */
	expiresInSeconds?: number;
	/** Origin the browser reaches Ferry on; local storage builds its URLs on it. */
	origin?: string;
}

export interface SignGetUrlInput {
	key: string;
	expiresInSeconds?: number;
	/** Sent back as Content-Disposition: attachment, so the browser saves under this name. */
	fileName?: string;
	contentType?: string;
	origin?: string;
}

export interface StorageProvider {
	readonly kind: 'local' | 's3';
	readonly capabilities: StorageCapabilities;
	createMultipartUpload(input: { key: string; contentType: string }): Promise<{ uploadId: string }>;
	signPartUrls(input: SignPartUrlsInput): Promise<SignedPartUrl[]>;
	/** Every part the storage holds for the upload, all pages, ascending. */
	listParts(input: UploadRef): Promise<StoredPart[]>;
	/** `etag` may be missing (Ceph answers an empty one); `size` is always read back. */
	completeMultipartUpload(
		input: UploadRef & { parts: CompletedPart[] }
	): Promise<{ etag?: string; size: number }>;
	abortMultipartUpload(input: UploadRef): Promise<void>;
	headObject(key: string): Promise<ObjectInfo | null>;
	/**
	 * A GET URL that honours Range. S3 signs the method, so HEAD needs its own
	 * URL there; learn the size with `Range: bytes=0-0` (Content-Range) instead.
	 */
	signGetUrl(input: SignGetUrlInput): Promise<string>;
	deleteObject(key: string): Promise<void>;
	/** Writes a small object, reads it back and deletes it. Never throws. */
	healthCheck(): Promise<HealthResult>;
}

export const DEFAULT_PART_URL_TTL_SECONDS = 900;
