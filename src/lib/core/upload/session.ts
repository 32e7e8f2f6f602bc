import { TransferError, type TransferErrorCode } from '../errors';
import type {
	ChecksumAlgorithm,
	Cipher,
	FileSource,
	RemotePart,
	StoredPart,
	TransferRecord,
	TransferStore,
	UploadApi
} from '../../ports';
import { createLayout, initialParts, type PartLayout } from './plan';
import type { PartRecord, TransferInit, UploadSession } from './types';

export interface PreparedSession {
	readonly session: UploadSession;
	readonly layout: PartLayout;
	readonly parts: PartRecord[];
	readonly checksumAlgorithm: ChecksumAlgorithm | undefined;
	/** The server already completed it (we crashed after complete): only fetch the file. */
	readonly remoteCompleted: boolean;
	/** A record to persist, when the upload was created just now. */
	readonly newRecord: TransferRecord | null;
}

/** S3 returns ETags quoted; some proxies strip quotes or add W/. */
export function normalizeEtag(etag: string): string {
	return etag.replace(/^W\//, '').replace(/"/g, '');
}

/** How we recognise the same file after a reload: the browser gives us nothing stronger. */
export function isSameFile(record: TransferRecord, file: FileSource): boolean {
	return isSameIdentity({ ...record, size: record.fileSize, name: record.fileName }, file);
}

type FileIdentity = Pick<FileSource, 'name' | 'size' | 'lastModified'>;

export function isSameIdentity(a: FileIdentity, b: FileIdentity): boolean {
	return a.size === b.size && a.lastModified === b.lastModified && a.name === b.name;
}

/**
 * Offline and file trouble are not failures of a request: the run stops and waits instead.
 * A network error while the OS says offline is the offline case, not a retry.
 */
export function stopReasonFor(code: TransferErrorCode, online: boolean): 'offline' | 'file' | null {
	const transient = code === 'network' || code === 'timeout' || code === 'stalled';
	if (code === 'offline' || (transient && !online)) return 'offline';
	if (code === 'file_changed' || code === 'file_unreadable') return 'file';
	return null;
}

/**
 * Which parts resume may skip. Storage's list (`remote`) is the truth: a part we think is done
 * but storage lacks is uploaded again. A part storage has is skipped only if its size matches
 * and, when a file checksum is needed, our store kept that part's checksum for the same ETag
 * (otherwise we could not compute the composite checksum, so we send it again).
 */
export function reconcileParts(
	layout: PartLayout,
	remote: readonly RemotePart[],
	stored: readonly StoredPart[],
	needChecksum: boolean
): PartRecord[] {
	const parts = initialParts(layout);
	const storedByNumber = new Map(stored.map((p) => [p.partNumber, p]));
	for (const r of remote) {
		const part = parts[r.partNumber - 1];
		if (!part || part.size !== r.size) continue;
		const local = storedByNumber.get(r.partNumber);
		const checksum =
			local && normalizeEtag(local.etag) === normalizeEtag(r.etag) ? local.checksum : undefined;
		if (needChecksum && checksum === undefined) continue;
		part.state = 'done';
		part.etag = r.etag;
		if (checksum !== undefined) part.checksum = checksum;
	}
	return parts;
}

export interface PrepareDeps {
	api: UploadApi;
	store: TransferStore;
	cipher: Cipher | undefined;
	now: () => number;
}

export interface PrepareOptions {
	checksumAlgorithm: ChecksumAlgorithm | undefined;
	preferredPartSize: number | undefined;
}

/** Resume from the store when it knows this transfer, otherwise create a new upload. */
export async function prepareSession(
	deps: PrepareDeps,
	init: TransferInit,
	options: PrepareOptions,
	signal: AbortSignal
): Promise<PreparedSession> {
	const { api, store, cipher } = deps;
	const saved = await store.load(init.transferId);
	signal.throwIfAborted();
	if (saved) {
		const record = saved.transfer;
		if (!isSameFile(record, init.file)) {
			throw new TransferError('file_changed', 'the file differs from the one being uploaded');
		}
		if (record.encryption && !cipher) {
			throw new TransferError('unknown', 'transfer was encrypted but no cipher was provided');
		}
		const status = await api.status(record.uploadId, signal);
		if (status.state === 'aborted' || status.state === 'expired') {
			throw new TransferError('upload_gone', `upload is ${status.state}`);
		}
		const layout = createLayout(status, record.fileSize, cipher);
		const remoteCompleted = status.state === 'completed';
		const algorithm = record.checksumAlgorithm;
		const parts = reconcileParts(
			layout,
			status.parts,
			saved.parts,
			algorithm !== undefined && !remoteCompleted
		);
		return {
			session: { ...sessionOf(status), size: status.size },
			layout,
			parts,
			checksumAlgorithm: algorithm,
			remoteCompleted,
			newRecord: null
		};
	}

	const file = init.file;
	const size = cipher ? cipher.encryptedLength(file.size, true) : file.size;
	const created = await api.create(
		{
			roomId: init.roomId,
			fileName: file.name,
			size,
			...(file.type !== '' && { contentType: file.type }),
			lastModified: file.lastModified,
			...(cipher && { encryption: cipher.descriptor }),
			...(options.checksumAlgorithm && { checksumAlgorithm: options.checksumAlgorithm }),
			...(options.preferredPartSize && { preferredPartSize: options.preferredPartSize })
		},
		signal
	);
	const layout = createLayout({ ...created, size }, file.size, cipher);
	const newRecord: TransferRecord = {
		transferId: init.transferId,
		roomId: init.roomId,
		uploadId: created.uploadId,
		fileId: created.fileId,
		fileName: file.name,
		fileSize: file.size,
		lastModified: file.lastModified,
		contentType: file.type,
		partSize: created.partSize,
		partCount: created.partCount,
		...(options.checksumAlgorithm && { checksumAlgorithm: options.checksumAlgorithm }),
		...(cipher && { encryption: cipher.descriptor }),
		createdAt: deps.now(),
		expiresAt: created.expiresAt
	};
	return {
		session: { ...sessionOf(created), size },
		layout,
		parts: initialParts(layout),
		checksumAlgorithm: options.checksumAlgorithm,
		remoteCompleted: false,
		newRecord
	};
}

function sessionOf(s: {
	uploadId: string;
	fileId: string;
	partSize: number;
	partCount: number;
	expiresAt: string;
}): Omit<UploadSession, 'size'> {
	return {
		uploadId: s.uploadId,
		fileId: s.fileId,
		partSize: s.partSize,
		partCount: s.partCount,
		expiresAt: s.expiresAt
	};
}
