import { randomBytes } from 'node:crypto';
import {
	AbortMultipartUploadCommand,
	CompleteMultipartUploadCommand,
	CreateMultipartUploadCommand,
	DeleteObjectCommand,
	GetObjectCommand,
	HeadObjectCommand,
	ListPartsCommand,
	PutObjectCommand,
	S3Client,
	UploadPartCommand,
	type ServerSideEncryption
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { contentDisposition } from './local-disk-answer';
import { mapS3Error } from './s3-errors';
import {
	DEFAULT_PART_URL_TTL_SECONDS,
	type ChecksumAlgorithm,
	type CompletedPart,
	type ObjectInfo,
	type PartToSign,
	type SignGetUrlInput,
	type SignPartUrlsInput,
	type SignedPartUrl,
	type StorageCapabilities,
	type StorageProvider,
	type StoredPart,
	type UploadRef
} from './types';

const MiB = 1024 ** 2;

export interface S3ProviderOptions {
	id: string;
	/** Omit for AWS itself. */
	endpoint?: string;
	region: string;
	bucket: string;
	forcePathStyle: boolean;
	accessKeyId: string;
	secretAccessKey: string;
	/** Cloudflare R2 refuses multipart uploads whose parts differ in size. */
	equalPartSizes?: boolean;
	/**
	 * Which per-part digests this service verifies. AWS, MinIO and R2 verify
	 * SHA256 and CRC32C; older Ceph (Pacific) and most others only Content-MD5.
	 */
	checksums?: readonly ChecksumAlgorithm[];
	serverSideEncryption?: ServerSideEncryption;
	/** Fewer SDK retries keep health checks quick; the registry retries itself. */
	maxAttempts?: number;
}

/** Headers the browser sends with the part: signed, so storage refuses other bytes. */
const CHECKSUM_HEADERS: Record<ChecksumAlgorithm, string> = {
	SHA256: 'x-amz-checksum-sha256',
	CRC32C: 'x-amz-checksum-crc32c',
	MD5: 'content-md5'
};

export class S3Provider implements StorageProvider {
	readonly kind = 's3' as const;
	readonly id: string;
	readonly bucket: string;
	readonly client: S3Client;
	readonly capabilities: StorageCapabilities;
	readonly #sse: ServerSideEncryption | undefined;

	constructor(options: S3ProviderOptions) {
		this.id = options.id;
		this.bucket = options.bucket;
		this.#sse = options.serverSideEncryption;
		this.client = new S3Client({
			endpoint: options.endpoint,
			region: options.region,
			forcePathStyle: options.forcePathStyle,
			credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey },
			// With the defaults, presigned UploadPart URLs carry a CRC32 of an empty
			// body, which S3 then refuses when the browser PUTs the real part.
			requestChecksumCalculation: 'WHEN_REQUIRED',
			responseChecksumValidation: 'WHEN_REQUIRED',
			maxAttempts: options.maxAttempts ?? 2,
			requestHandler: { connectionTimeout: 5_000, requestTimeout: 30_000 }
		});
		this.capabilities = {
			presignedPartUrls: true,
			listParts: true,
			perPartChecksums: options.checksums ?? ['MD5'],
			equalPartSizesRequired: options.equalPartSizes ?? false,
			serverSideEncryption: options.serverSideEncryption !== undefined,
			maxParts: 10_000,
			minPartSize: 5 * MiB,
			maxPartSize: 5 * 1024 * MiB,
			maxObjectSize: 5 * 1024 ** 4
		};
	}

	async createMultipartUpload({ key, contentType }: { key: string; contentType: string }) {
		const out = await this.#call('object', () =>
			this.client.send(
				new CreateMultipartUploadCommand({
					Bucket: this.bucket,
					Key: key,
					ContentType: contentType,
					ServerSideEncryption: this.#sse
				})
			)
		);
		if (!out.UploadId) throw mapS3Error(new Error('no UploadId in the answer'), this.id, 'upload');
		return { uploadId: out.UploadId };
	}

	async signPartUrls(input: SignPartUrlsInput): Promise<SignedPartUrl[]> {
		const expiresIn = input.expiresInSeconds ?? DEFAULT_PART_URL_TTL_SECONDS;
		return Promise.all(input.parts.map((part) => this.#signPart(input, part, expiresIn)));
	}

	async #signPart(ref: UploadRef, part: PartToSign, expiresIn: number): Promise<SignedPartUrl> {
		const checksum =
			part.checksum && this.capabilities.perPartChecksums.includes(part.checksum.algorithm)
				? part.checksum
				: undefined;
		const command = new UploadPartCommand({
			Bucket: this.bucket,
			Key: ref.key,
			UploadId: ref.uploadId,
			PartNumber: part.partNumber,
			ContentLength: part.size,
			ChecksumSHA256: checksum?.algorithm === 'SHA256' ? checksum.value : undefined,
			ChecksumCRC32C: checksum?.algorithm === 'CRC32C' ? checksum.value : undefined,
			ContentMD5: checksum?.algorithm === 'MD5' ? checksum.value : undefined
		});
		const headers: Record<string, string> = {};
		if (checksum) headers[CHECKSUM_HEADERS[checksum.algorithm]] = checksum.value;
		const expiresAt = new Date(Date.now() + expiresIn * 1000);
		// Kept as signed headers (not hoisted into the query) so storage itself
		// checks the body against them and refuses a corrupted part.
		const url = await getSignedUrl(this.client, command, {
			expiresIn,
			unhoistableHeaders: new Set(Object.values(CHECKSUM_HEADERS))
		});
		return { partNumber: part.partNumber, url, method: 'PUT', headers, expiresAt };
	}

	async listParts(ref: UploadRef): Promise<StoredPart[]> {
		const parts: StoredPart[] = [];
		let marker: string | undefined;
		for (;;) {
			const page = await this.#call('upload', () =>
				this.client.send(
					new ListPartsCommand({
						Bucket: this.bucket,
						Key: ref.key,
						UploadId: ref.uploadId,
						MaxParts: 1000,
						PartNumberMarker: marker
					})
				)
			);
			for (const part of page.Parts ?? []) {
				if (part.PartNumber !== undefined)
					parts.push({ partNumber: part.PartNumber, size: part.Size ?? 0, etag: part.ETag ?? '' });
			}
			if (!page.IsTruncated || page.NextPartNumberMarker === undefined) break;
			marker = String(page.NextPartNumberMarker);
		}
		return parts.sort((a, b) => a.partNumber - b.partNumber);
	}

	async completeMultipartUpload(input: UploadRef & { parts: CompletedPart[] }) {
		const out = await this.#call('upload', () =>
			this.client.send(
				new CompleteMultipartUploadCommand({
					Bucket: this.bucket,
					Key: input.key,
					UploadId: input.uploadId,
					MultipartUpload: {
						Parts: input.parts.map((part) => ({ PartNumber: part.partNumber, ETag: part.etag }))
					}
				})
			)
		);
		// Ceph answers an empty <ETag>, and no service answers the size: read both back.
		const head = await this.headObject(input.key);
		if (!head)
			throw mapS3Error(
				Object.assign(new Error('object missing right after complete'), { name: 'InternalError' }),
				this.id,
				'object'
			);
		return { etag: out.ETag || head.etag || undefined, size: head.size };
	}

	async abortMultipartUpload(ref: UploadRef): Promise<void> {
		await this.#call('upload', () =>
			this.client.send(
				new AbortMultipartUploadCommand({
					Bucket: this.bucket,
					Key: ref.key,
					UploadId: ref.uploadId
				})
			)
		);
	}

	async headObject(key: string): Promise<ObjectInfo | null> {
		try {
			const out = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
			return {
				size: out.ContentLength ?? 0,
				etag: out.ETag ?? '',
				contentType: out.ContentType ?? 'application/octet-stream'
			};
		} catch (error) {
			const mapped = mapS3Error(error, this.id, 'object');
			if (mapped.code === 'not_found') return null;
			throw mapped;
		}
	}

	async signGetUrl(input: SignGetUrlInput): Promise<string> {
		const command = new GetObjectCommand({
			Bucket: this.bucket,
			Key: input.key,
			ResponseContentDisposition:
				input.fileName === undefined ? undefined : contentDisposition(input.fileName),
			ResponseContentType: input.contentType
		});
		return getSignedUrl(this.client, command, {
			expiresIn: input.expiresInSeconds ?? DEFAULT_PART_URL_TTL_SECONDS
		});
	}

	async deleteObject(key: string): Promise<void> {
		await this.#call('object', () =>
			this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }))
		);
	}

	async healthCheck() {
		const started = performance.now();
		const key = `.ferry-health/${randomBytes(8).toString('hex')}`;
		const probe = randomBytes(16).toString('hex');
		try {
			await this.client.send(
				new PutObjectCommand({
					Bucket: this.bucket,
					Key: key,
					Body: probe,
					ServerSideEncryption: this.#sse
				})
			);
			const got = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
			const text = await got.Body?.transformToString();
			await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
			if (text !== probe) throw new Error('read back different bytes');
			return { ok: true, latencyMs: performance.now() - started };
		} catch (error) {
			return {
				ok: false,
				latencyMs: performance.now() - started,
				error: mapS3Error(error, this.id, 'object').message
			};
		}
	}

	async #call<T>(operation: 'upload' | 'object', run: () => Promise<T>): Promise<T> {
		try {
			return await run();
		} catch (error) {
			throw mapS3Error(error, this.id, operation);
		}
	}
}
