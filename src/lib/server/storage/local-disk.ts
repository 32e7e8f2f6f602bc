import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, readdir, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { StorageError } from './errors';
import { buildLocalUrl, verifyLocalUrl, type VerifyResult } from './local-signature';
import { multipartEtag, withOffsets, type Manifest } from './local-manifest';
import {
	partFileName,
	writeFileAtomic,
	writePart,
	type PartBody,
	type PartMeta,
	type WriteOutcome
} from './local-part-writer';
import {
	DEFAULT_PART_URL_TTL_SECONDS,
	type CompletedPart,
	type ObjectInfo,
	type PartChecksum,
	type SignGetUrlInput,
	type SignPartUrlsInput,
	type SignedPartUrl,
	type StorageCapabilities,
	type StorageProvider,
	type StoredPart,
	type UploadRef
} from './types';

/**
 * The embedded default provider: everything under one folder, parts sent
 * through Ferry's own `/storage/local/...` endpoint with HMAC-signed URLs.
 *
 *   uploads/<uploadId>/upload.json, part-00001, part-00001.json   in progress
 *   blobs/<uploadId>/part-00001 ...                              completed, never copied
 *   objects/<sha256(key)>.json                                   manifest of a completed object
 */

const MiB = 1024 ** 2;
const UPLOAD_ID = /^[A-Za-z0-9_-]{24}$/;

export interface LocalDiskOptions {
	id: string;
	/** Usually `<dataDir>/storage`. */
	root: string;
	signingSecret: string;
	/** Used when a caller does not pass `origin`. */
	defaultOrigin?: string;
	now?: () => number;
}

interface UploadRecord {
	key: string;
	contentType: string;
	createdAt: string;
}

export class LocalDiskProvider implements StorageProvider {
	readonly kind = 'local' as const;
	readonly id: string;
	readonly root: string;
	readonly capabilities: StorageCapabilities = {
		presignedPartUrls: true,
		listParts: true,
		perPartChecksums: ['SHA256', 'CRC32C', 'MD5'],
		equalPartSizesRequired: false,
		serverSideEncryption: false,
		maxParts: 10_000,
		// Same limits as S3 so an upload planned for one provider fits the other.
		minPartSize: 5 * MiB,
		maxPartSize: 5 * 1024 * MiB,
		maxObjectSize: 5 * 1024 ** 4
	};
	readonly #secret: string;
	readonly #origin: string | undefined;
	readonly #now: () => number;

	constructor(options: LocalDiskOptions) {
		this.id = options.id;
		this.root = options.root;
		this.#secret = options.signingSecret;
		this.#origin = options.defaultOrigin;
		this.#now = options.now ?? Date.now;
	}

	#uploadDir = (uploadId: string) => path.join(this.root, 'uploads', uploadId);
	#blobDir = (uploadId: string) => path.join(this.root, 'blobs', uploadId);
	#manifestPath = (key: string) =>
		path.join(this.root, 'objects', `${createHash('sha256').update(key).digest('hex')}.json`);

	async createMultipartUpload({ key, contentType }: { key: string; contentType: string }) {
		checkKey(key);
		const uploadId = randomBytes(18).toString('base64url');
		await io(async () => {
			await mkdir(this.#uploadDir(uploadId), { recursive: true });
			const record: UploadRecord = {
				key,
				contentType,
				createdAt: new Date(this.#now()).toISOString()
			};
			await writeFileAtomic(
				path.join(this.#uploadDir(uploadId), 'upload.json'),
				JSON.stringify(record)
			);
		});
		return { uploadId };
	}

	async signPartUrls(input: SignPartUrlsInput): Promise<SignedPartUrl[]> {
		await this.#readUpload(input);
		const origin = this.#requireOrigin(input.origin);
		const expiresAt =
			Math.floor(this.#now() / 1000) + (input.expiresInSeconds ?? DEFAULT_PART_URL_TTL_SECONDS);
		return input.parts.map((part) => {
			checkPart(part.partNumber, part.size, this.capabilities);
			const checksum: PartChecksum | null = part.checksum ?? null;
			const url = buildLocalUrl(origin, this.#secret, {
				op: 'part',
				providerId: this.id,
				uploadId: input.uploadId,
				key: input.key,
				partNumber: part.partNumber,
				length: part.size,
				checksum,
				expiresAt
			});
			// SvelteKit's Node adapter hands a route a null body when Content-Type is missing
			// (browsers send none for an untyped Blob), so the client must name one.
			return {
				partNumber: part.partNumber,
				url,
				method: 'PUT' as const,
				headers: { 'content-type': 'application/octet-stream' },
				expiresAt: new Date(expiresAt * 1000)
			};
		});
	}

	async listParts(ref: UploadRef): Promise<StoredPart[]> {
		await this.#readUpload(ref);
		const dir = this.#uploadDir(ref.uploadId);
		const names = await io(() => readdir(dir)).catch(noSuchUploadIfMissing);
		const metas = names.filter((name) => /^part-\d{5}\.json$/.test(name));
		const parts: StoredPart[] = [];
		for (const name of metas) {
			const meta = await readJson<PartMeta>(path.join(dir, name));
			if (meta) parts.push({ partNumber: meta.partNumber, size: meta.size, etag: meta.etag });
		}
		return parts.sort((a, b) => a.partNumber - b.partNumber);
	}

	async completeMultipartUpload(input: UploadRef & { parts: CompletedPart[] }) {
		const record = await this.#readUpload(input);
		const stored = new Map((await this.listParts(input)).map((part) => [part.partNumber, part]));
		if (input.parts.length === 0)
			throw new StorageError('invalid_request', 'Complete needs at least one part.');
		const chosen = input.parts.map((part, index) => {
			const previous = input.parts[index - 1];
			if (previous && previous.partNumber >= part.partNumber) {
				throw new StorageError(
					'invalid_part_order',
					'Parts must be listed in ascending order of part number.'
				);
			}
			const have = stored.get(part.partNumber);
			if (!have || unquote(have.etag) !== unquote(part.etag)) {
				throw new StorageError(
					'invalid_part',
					`Part ${part.partNumber} is missing or its ETag does not match.`
				);
			}
			return have;
		});
		// Sizes only after every part is known to exist, in the order S3 reports them.
		const tooSmall = chosen.slice(0, -1).find((part) => part.size < this.capabilities.minPartSize);
		if (tooSmall) {
			throw new StorageError(
				'entity_too_small',
				`Part ${tooSmall.partNumber} is ${tooSmall.size} bytes; every part but the last must be at least 5 MiB.`
			);
		}
		const parts = withOffsets(chosen);
		const size = parts.reduce((sum, part) => sum + part.size, 0);
		const manifest: Manifest = {
			version: 1,
			key: input.key,
			uploadId: input.uploadId,
			contentType: record.contentType,
			size,
			etag: multipartEtag(chosen.map((part) => part.etag)),
			completedAt: new Date(this.#now()).toISOString(),
			parts
		};
		const previous = await readJson<Manifest>(this.#manifestPath(input.key));
		await io(async () => {
			await mkdir(path.join(this.root, 'blobs'), { recursive: true });
			await mkdir(path.join(this.root, 'objects'), { recursive: true });
			// The rename is what makes the upload "complete": a second complete or a
			// late part PUT then finds no upload folder.
			await rename(this.#uploadDir(input.uploadId), this.#blobDir(input.uploadId));
		}).catch(noSuchUploadIfMissing);
		await io(() => writeFileAtomic(this.#manifestPath(input.key), JSON.stringify(manifest)));
		if (previous && previous.uploadId !== input.uploadId)
			await rm(this.#blobDir(previous.uploadId), { recursive: true, force: true });
		return { etag: manifest.etag, size };
	}

	async abortMultipartUpload(ref: UploadRef): Promise<void> {
		await this.#readUpload(ref);
		await io(() => rm(this.#uploadDir(ref.uploadId), { recursive: true, force: true }));
	}

	async headObject(key: string): Promise<ObjectInfo | null> {
		const manifest = await this.readManifest(key);
		return (
			manifest && { size: manifest.size, etag: manifest.etag, contentType: manifest.contentType }
		);
	}

	async signGetUrl(input: SignGetUrlInput): Promise<string> {
		checkKey(input.key);
		const expiresAt =
			Math.floor(this.#now() / 1000) + (input.expiresInSeconds ?? DEFAULT_PART_URL_TTL_SECONDS);
		return buildLocalUrl(this.#requireOrigin(input.origin), this.#secret, {
			op: 'object',
			providerId: this.id,
			key: input.key,
			fileName: input.fileName ?? null,
			contentType: input.contentType ?? null,
			expiresAt
		});
	}

	async deleteObject(key: string): Promise<void> {
		const manifest = await this.readManifest(key);
		if (!manifest) return;
		await io(() => unlink(this.#manifestPath(key))).catch(() => {});
		await io(() => rm(this.#blobDir(manifest.uploadId), { recursive: true, force: true }));
	}

	async healthCheck() {
		const started = performance.now();
		const dir = path.join(this.root, 'health');
		const file = path.join(dir, `probe-${randomBytes(6).toString('hex')}`);
		const probe = randomBytes(32).toString('hex');
		try {
			await mkdir(dir, { recursive: true });
			await writeFile(file, probe);
			if ((await readFile(file, 'utf8')) !== probe) throw new Error('read back different bytes');
			await unlink(file);
			await stat(path.join(this.root, 'uploads')).catch(() =>
				mkdir(path.join(this.root, 'uploads'), { recursive: true })
			);
			return { ok: true, latencyMs: performance.now() - started };
		} catch (error) {
			return {
				ok: false,
				latencyMs: performance.now() - started,
				error: `${this.root}: ${(error as Error).message}`
			};
		}
	}

	// ---- used by local-disk-answer.ts ----

	verifyUrl(url: URL): VerifyResult {
		return verifyLocalUrl(this.#secret, url, this.#now());
	}

	async receivePart(
		uploadId: string,
		key: string,
		partNumber: number,
		length: number,
		checksum: PartChecksum | null,
		body: PartBody
	): Promise<WriteOutcome> {
		const record = await this.#readUpload({ key, uploadId }).catch(() => null);
		if (!record)
			return {
				ok: false,
				status: 404,
				code: 'no_such_upload',
				message: 'The upload does not exist (completed or aborted).'
			};
		return writePart(this.#uploadDir(uploadId), partNumber, length, checksum, body);
	}

	async readManifest(key: string): Promise<Manifest | null> {
		const manifest = await readJson<Manifest>(this.#manifestPath(key));
		return manifest && manifest.key === key ? manifest : null;
	}

	partPath(manifest: Manifest, partNumber: number): string {
		return path.join(this.#blobDir(manifest.uploadId), partFileName(partNumber));
	}

	/** Uploads started before `olderThan`, for a sweeper that aborts forgotten sessions. */
	async listUploadsStartedBefore(olderThan: Date): Promise<UploadRef[]> {
		const ids = await readdir(path.join(this.root, 'uploads')).catch(() => [] as string[]);
		const stale: UploadRef[] = [];
		for (const uploadId of ids.filter((id) => UPLOAD_ID.test(id))) {
			const record = await readJson<UploadRecord>(
				path.join(this.#uploadDir(uploadId), 'upload.json')
			);
			if (record && Date.parse(record.createdAt) < olderThan.getTime())
				stale.push({ key: record.key, uploadId });
		}
		return stale;
	}

	async #readUpload({ key, uploadId }: UploadRef): Promise<UploadRecord> {
		const record = UPLOAD_ID.test(uploadId)
			? await readJson<UploadRecord>(path.join(this.#uploadDir(uploadId), 'upload.json'))
			: null;
		if (!record || record.key !== key)
			throw new StorageError('no_such_upload', `No upload ${uploadId} in progress for this key.`, {
				providerId: this.id
			});
		return record;
	}

	#requireOrigin(origin: string | undefined): string {
		const chosen = origin ?? this.#origin;
		if (!chosen)
			throw new StorageError(
				'invalid_request',
				'Local storage needs the origin browsers reach Ferry on to build its URLs.'
			);
		return chosen;
	}
}

function checkKey(key: string) {
	if (key.length === 0 || Buffer.byteLength(key) > 1024)
		throw new StorageError('invalid_request', 'An object key must be 1 to 1024 bytes long.');
}

function checkPart(partNumber: number, size: number, caps: StorageCapabilities) {
	if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > caps.maxParts) {
		throw new StorageError(
			'invalid_request',
			`Part numbers go from 1 to ${caps.maxParts}; got ${partNumber}.`
		);
	}
	if (!Number.isInteger(size) || size < 0 || size > caps.maxPartSize) {
		throw new StorageError(
			'entity_too_large',
			`A part must be 0 to ${caps.maxPartSize} bytes; got ${size}.`
		);
	}
}

const unquote = (etag: string) => etag.replaceAll('"', '');

async function readJson<T>(file: string): Promise<T | null> {
	try {
		return JSON.parse(await readFile(file, 'utf8')) as T;
	} catch (error) {
		const code = (error as NodeJS.ErrnoException).code;
		if (code === 'ENOENT' || code === 'ENOTDIR') return null;
		if (error instanceof SyntaxError) return null;
		throw unavailable(error);
	}
}

/** Disk errors other than "missing" mean the provider cannot serve right now. */
async function io<T>(run: () => Promise<T>): Promise<T> {
	try {
		return await run();
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw error;
		throw unavailable(error);
	}
}

function unavailable(error: unknown) {
	return new StorageError('unavailable', `Local storage failed: ${(error as Error).message}`, {
		cause: error
	});
}

function noSuchUploadIfMissing(error: unknown): never {
	if ((error as NodeJS.ErrnoException).code === 'ENOENT')
		throw new StorageError('no_such_upload', 'The upload does not exist (completed or aborted).');
	throw error;
}
