/**
 * Everything the pure upload core needs from its environment. Adapters (src/lib/adapters/)
 * implement these once per environment: dedicated worker, service worker, Node tests.
 * The core never touches fetch, IndexedDB, timers or File directly.
 *
 * Errors: adapters throw `TransferError` (or its cloned data) with a `code`; anything else is
 * treated as code 'unknown' and not retried.
 */

export type ChecksumAlgorithm = 'CRC32C' | 'SHA256';

/** Opaque metadata the Cipher wants recorded with the upload (scheme, key id, record size...). */
export type EncryptionDescriptor = Readonly<Record<string, string | number | boolean>>;

// ---- Server API --------------------------------------------------------------------------

export interface CreateUploadInput {
	roomId: string;
	fileName: string;
	/** Bytes that will be stored, i.e. ciphertext size when encrypting. */
	size: number;
	contentType?: string;
	lastModified?: number;
	encryption?: EncryptionDescriptor;
	checksumAlgorithm?: ChecksumAlgorithm;
	preferredPartSize?: number;
}

export interface CreatedUpload {
	uploadId: string;
	fileId: string;
	partSize: number;
	partCount: number;
	/** ISO-8601. */
	expiresAt: string;
}

export interface SignPartsInput {
	/** At most 100. */
	partNumbers: number[];
	/** partNumber -> base64 checksum, when the URLs must pin a checksum header. */
	checksums?: Record<number, string>;
}

export interface SignedPartUrl {
	partNumber: number;
	url: string;
	method: 'PUT';
	headers: Record<string, string>;
	/** ISO-8601. */
	expiresAt: string;
}

export interface RemotePart {
	partNumber: number;
	size: number;
	etag: string;
}

/** Adapters map the server's state names onto these. */
export type RemoteUploadState = 'active' | 'completed' | 'aborted' | 'expired';

export interface UploadStatus {
	uploadId: string;
	fileId: string;
	state: RemoteUploadState;
	size: number;
	partSize: number;
	partCount: number;
	/** Parts storage already holds: the only thing resume trusts. */
	parts: RemotePart[];
	expiresAt: string;
}

export interface CompleteUploadInput {
	parts: { partNumber: number; etag: string }[];
	checksum?: { algorithm: ChecksumAlgorithm; value: string };
}

export interface UploadedFile {
	readonly id: string;
	readonly [key: string]: unknown;
}

export interface UploadApi {
	create(input: CreateUploadInput, signal?: AbortSignal): Promise<CreatedUpload>;
	status(uploadId: string, signal?: AbortSignal): Promise<UploadStatus>;
	signParts(
		uploadId: string,
		input: SignPartsInput,
		signal?: AbortSignal
	): Promise<{ parts: SignedPartUrl[] }>;
	partDone(
		uploadId: string,
		partNumber: number,
		input: { etag: string; size: number; checksum?: string },
		signal?: AbortSignal
	): Promise<void>;
	/** Idempotent on the server: calling it twice returns the same file. */
	complete(
		uploadId: string,
		input: CompleteUploadInput,
		signal?: AbortSignal
	): Promise<{ file: UploadedFile }>;
	abort(uploadId: string, signal?: AbortSignal): Promise<void>;
}

// ---- Bytes ---------------------------------------------------------------------------------

/**
 * A body the core never looks inside, e.g. a `Blob` slice: the browser streams it from disk,
 * so an unhashed, unencrypted part costs no memory. `Blob` satisfies this type.
 */
export interface OpaqueBody {
	readonly size: number;
}

export type PartBody = Uint8Array | OpaqueBody;

export interface FileSource {
	readonly name: string;
	readonly size: number;
	readonly lastModified: number;
	readonly type: string;
	/** Lazy body for [start, end): no bytes are read here. Used when nothing must see the bytes. */
	slice(start: number, end: number): PartBody;
	/**
	 * Bytes of [start, end), for hashing or encryption. Throws TransferError 'file_unreadable'
	 * or 'file_changed' when the file went away or changed under us.
	 */
	read(start: number, end: number): Promise<Uint8Array>;
}

export interface SendOptions {
	signal: AbortSignal;
	/** Bytes of this body sent so far in this attempt (cumulative, not a delta). */
	onProgress: (loaded: number) => void;
}

export interface PartSender {
	/**
	 * PUTs one part. Resolves with the storage ETag; throws a TransferError with a code
	 * (use `httpError(status, { retryAfterMs })`; 'url_expired' for S3's expired-signature 403).
	 * When `signal` aborts it may throw anything: the core looks at the signal, not the error.
	 */
	send(
		url: string,
		method: 'PUT',
		headers: Readonly<Record<string, string>>,
		body: PartBody,
		options: SendOptions
	): Promise<{ etag: string }>;
}

// ---- Transforms ----------------------------------------------------------------------------

export interface Hasher {
	/** Digest of `bytes`, standard base64 with padding (the form S3's x-amz-checksum-* uses). */
	hash(bytes: Uint8Array, algorithm: ChecksumAlgorithm): Promise<string>;
}

/**
 * Encrypts each part independently. Contract (what makes resume and retries work):
 *  - partitioning into parts of `plaintextPartSize(partSize)` bytes adds no overhead beyond
 *    `encryptedLength(total, true)`, i.e. parts are record-aligned;
 *  - `encryptPart` is deterministic for (key, partIndex) so a re-sent part has the same checksum.
 */
export interface Cipher {
	readonly descriptor: EncryptionDescriptor;
	/** Plaintext bytes that encrypt to exactly `encryptedPartSize` bytes (a non-last part). */
	plaintextPartSize(encryptedPartSize: number): number;
	encryptedLength(plainLength: number, isLast: boolean): number;
	/** `partIndex` is 0-based (partNumber - 1). */
	encryptPart(partIndex: number, bytes: Uint8Array, isLast: boolean): Promise<Uint8Array>;
}

/**
 * Optional: prepares one part somewhere else (e.g. a worker pool) from a lazy slice of the
 * plaintext: encrypts it when the transfer is encrypted, hashes the stored bytes, and returns a
 * body the sender can stream (e.g. a Blob), so the caller never holds the part's bytes. When
 * present the core uses it instead of FileSource.read -> Cipher.encryptPart -> Hasher.hash;
 * it must produce the same bytes and checksum those would. Throws TransferError
 * 'file_unreadable' / 'file_changed' like FileSource.read.
 */
export interface PartTransform {
	transform(
		job: {
			/** 0-based (partNumber - 1). */
			partIndex: number;
			/** Lazy plaintext slice of this part (FileSource.slice). */
			plain: PartBody;
			isLast: boolean;
			algorithm: ChecksumAlgorithm | undefined;
		},
		signal: AbortSignal
	): Promise<{
		body: PartBody;
		size: number;
		checksum: string | undefined;
		/** Frees what holds the body (a temporary file, for example) once the PUT is over. */
		release?: () => void;
	}>;
}

// ---- Persistence ---------------------------------------------------------------------------

export interface TransferRecord {
	transferId: string;
	roomId: string;
	uploadId: string;
	fileId: string;
	fileName: string;
	/** Plaintext file size and lastModified: how we recognise the same file on resume. */
	fileSize: number;
	lastModified: number;
	contentType: string;
	partSize: number;
	partCount: number;
	checksumAlgorithm?: ChecksumAlgorithm;
	encryption?: EncryptionDescriptor;
	createdAt: number;
	expiresAt: string;
}

export interface StoredPart {
	partNumber: number;
	size: number;
	etag: string;
	checksum?: string;
}

export interface TransferStore {
	saveTransfer(record: TransferRecord): Promise<void>;
	/** Upsert by (transferId, partNumber). */
	savePart(transferId: string, part: StoredPart): Promise<void>;
	load(transferId: string): Promise<{ transfer: TransferRecord; parts: StoredPart[] } | undefined>;
	list(): Promise<TransferRecord[]>;
	/** Removes the record and its parts. */
	delete(transferId: string): Promise<void>;
}

// ---- Environment -----------------------------------------------------------------------------

export interface Clock {
	/** Milliseconds since the epoch. */
	now(): number;
	/** Resolves after `ms`; rejects (with anything) as soon as `signal` aborts. */
	sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export interface NetworkStatus {
	isOnline(): boolean;
	/** Returns an unsubscribe function. */
	onChange(listener: (online: boolean) => void): () => void;
}

export interface Random {
	/** Uniform in [0, 1). */
	next(): number;
}

/** Everything one TransferRunner needs. `hasher` is required when a checksum algorithm is set. */
export interface UploadPorts {
	api: UploadApi;
	sender: PartSender;
	store: TransferStore;
	clock: Clock;
	network: NetworkStatus;
	random: Random;
	hasher?: Hasher;
	cipher?: Cipher;
	/** When set, parts are prepared through it (see PartTransform); `cipher` still plans the layout. */
	transform?: PartTransform;
}
