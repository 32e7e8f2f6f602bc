import { and, eq, inArray, lt, sql } from 'drizzle-orm';
import { parseHeader, type EncryptionHeader } from '$lib/core/crypto/header';
import type { z } from 'zod';
import { compositeChecksum, type ChecksumAlgorithm } from './checksums';
import type { Db } from './db';
import { files, rooms, uploadParts, uploadSessions, users } from './db/schema';
import { ApiError } from './http';
import { requireRoomRole } from './rooms';
import type { StorageAccess } from './storage-access';
import type { StorageProvider, StoredPart } from './storage/types';
import { newId } from './tokens';
import { formatBytes } from '$lib/core/format';
import { planParts } from './upload-plan';
import type { completeSchema, createUploadSchema, partDoneSchema, signPartsSchema } from './upload-schemas';

const DAY = 24 * 3600 * 1000;
/** What the server stores and shows as the name of a file whose real name is sealed (docs/encryption.md). */
export const ENCRYPTED_FILE_NAME = 'encrypted';

export interface UploadDeps {
	db: Db;
	storage: StorageAccess;
	uploadExpiryDays: number;
	partUrlTtlSeconds: number;
	defaultQuotaBytes: number;
}

type Session = typeof uploadSessions.$inferSelect;

const notFound = () => new ApiError(404, 'upload_not_found', 'No upload with this id belongs to you.');

/** The caller's own upload session, still in a room they belong to. */
export function loadOwnSession(db: Db, uploadId: string, userId: string): Session {
	const session = db.select().from(uploadSessions).where(eq(uploadSessions.id, uploadId)).get();
	if (!session || session.userId !== userId) throw notFound();
	requireRoomRole(db, session.roomId, userId, 'member');
	return session;
}

function requireActive(session: Session): void {
	if (session.state === 'aborted' || session.state === 'expired') {
		throw new ApiError(410, 'upload_gone', 'This upload was cancelled or expired; start it again.');
	}
	if (session.state === 'completed') {
		throw new ApiError(409, 'upload_completed', 'This upload is already complete.');
	}
}

function usedBytes(db: Db, userId: string): number {
	const stored = db
		.select({ n: sql<number>`coalesce(sum(${files.sizeBytes}), 0)` })
		.from(files)
		.where(eq(files.uploadedByUserId, userId))
		.get()!.n;
	const pending = db
		.select({ n: sql<number>`coalesce(sum(${uploadSessions.sizeBytes}), 0)` })
		.from(uploadSessions)
		.where(and(eq(uploadSessions.userId, userId), inArray(uploadSessions.state, ['uploading', 'completing'])))
		.get()!.n;
	return stored + pending;
}

export async function createUpload(deps: UploadDeps, userId: string, input: z.infer<typeof createUploadSchema>) {
	const { db } = deps;
	requireRoomRole(db, input.roomId, userId, 'member');
	const user = db.select({ quota: users.storageQuotaBytes }).from(users).where(eq(users.id, userId)).get();
	const quota = user?.quota ?? deps.defaultQuotaBytes;
	const used = usedBytes(db, userId);
	if (used + input.size > quota) {
		throw new ApiError(413, 'quota_exceeded', `This upload needs ${formatBytes(input.size)} but only ${formatBytes(Math.max(0, quota - used))} of your ${formatBytes(quota)} quota is left; delete files or ask for more space.`);
	}
	const room = db.select({ e2ee: rooms.isEndToEndEncrypted }).from(rooms).where(eq(rooms.id, input.roomId)).get();
	if (room?.e2ee && (input.encryption?.wrappedKey === undefined || input.encryption.encryptedMetadata === undefined)) {
		throw new ApiError(400, 'encryption_required', 'This room is end-to-end encrypted: its files must be encrypted in the browser, with a wrapped key and a sealed name. Reload Ferry and send the file again.');
	}
	// A sealed name means the real one must not be kept here, whatever the client sent as fileName.
	const sealed = input.encryption?.encryptedMetadata !== undefined;
	let header: EncryptionHeader | null = null;
	if (input.encryption) {
		try {
			header = parseHeader(input.encryption.header);
		} catch (error) {
			throw new ApiError(400, 'invalid_encryption_header', `encryption.header: ${(error as Error).message}`);
		}
	}
	const { id: providerId, provider } = deps.storage.pick();
	const plan = planParts({
		size: input.size,
		plaintextSize: header ? header.plaintextSize : input.size,
		recordSize: header ? header.recordSize : null,
		capabilities: provider.capabilities,
		preferredPartSize: input.preferredPartSize
	});
	if (!plan.ok) throw new ApiError(plan.code === 'file_too_large' ? 413 : 400, plan.code, plan.message);
	if (input.checksumAlgorithm === undefined && provider.capabilities.perPartChecksums.length > 0) {
		// Clients that do not hash still upload; they just get no storage-side check.
	}
	const id = newId();
	const fileId = newId();
	const storageKey = `rooms/${input.roomId}/${fileId}`;
	const contentType = input.encryption ? 'application/octet-stream' : (input.contentType ?? 'application/octet-stream');
	const created = await deps.storage.call(providerId, () => provider.createMultipartUpload({ key: storageKey, contentType }));
	const now = new Date();
	const expiresAt = new Date(now.getTime() + deps.uploadExpiryDays * DAY);
	db.insert(uploadSessions)
		.values({
			id,
			fileId,
			roomId: input.roomId,
			userId,
			storageProviderId: providerId,
			storageKey,
			storageUploadId: created.uploadId,
			fileName: sealed ? ENCRYPTED_FILE_NAME : input.fileName,
			contentType,
			sizeBytes: input.size,
			partSizeBytes: plan.partSize,
			partCount: plan.partCount,
			checksumAlgorithm: input.checksumAlgorithm ?? null,
			encryptionJson: input.encryption ? JSON.stringify(input.encryption) : null,
			lastModifiedAt: input.lastModified !== undefined && !sealed ? new Date(input.lastModified) : null,
			lastActivityAt: now,
			expiresAt
		})
		.run();
	return { uploadId: id, fileId, partSize: plan.partSize, partCount: plan.partCount, plaintextPartSize: plan.plaintextPartSize, expiresAt, storage: { providerId, capabilities: provider.capabilities } };
}

export function expectedPartSize(session: Pick<Session, 'sizeBytes' | 'partSizeBytes' | 'partCount'>, partNumber: number): number {
	return partNumber < session.partCount ? session.partSizeBytes : session.sizeBytes - (session.partCount - 1) * session.partSizeBytes;
}

function touch(deps: UploadDeps, session: Session): void {
	const now = new Date();
	deps.db
		.update(uploadSessions)
		.set({ lastActivityAt: now, expiresAt: new Date(now.getTime() + deps.uploadExpiryDays * DAY) })
		.where(eq(uploadSessions.id, session.id))
		.run();
}

function checkPartNumber(session: Session, partNumber: number): void {
	if (partNumber > session.partCount) {
		throw new ApiError(400, 'invalid_part_number', `Part ${partNumber} does not exist; this upload has parts 1 to ${session.partCount}.`);
	}
}

export async function signParts(deps: UploadDeps, userId: string, uploadId: string, input: z.infer<typeof signPartsSchema>, origin: string) {
	const session = loadOwnSession(deps.db, uploadId, userId);
	requireActive(session);
	const numbers = [...new Set(input.partNumbers)];
	for (const n of numbers) checkPartNumber(session, n);
	const provider = deps.storage.get(session.storageProviderId);
	const algorithm = session.checksumAlgorithm as ChecksumAlgorithm | null;
	const enforced = algorithm !== null && provider.capabilities.perPartChecksums.includes(algorithm);
	if (enforced && numbers.some((n) => !input.checksums?.[String(n)])) {
		throw new ApiError(400, 'checksum_required', `This upload was created with ${algorithm} checksums; send checksums for every part you ask to sign.`);
	}
	const parts = numbers.map((partNumber) => {
		const value = input.checksums?.[String(partNumber)];
		return {
			partNumber,
			size: expectedPartSize(session, partNumber),
			...(enforced && value ? { checksum: { algorithm: algorithm!, value } } : {})
		};
	});
	const signed = await deps.storage.call(session.storageProviderId, () =>
		provider.signPartUrls({ key: session.storageKey, uploadId: session.storageUploadId, parts, expiresInSeconds: deps.partUrlTtlSeconds, origin })
	);
	touch(deps, session);
	return { parts: signed };
}

export function reportPartDone(deps: UploadDeps, userId: string, uploadId: string, partNumber: number, input: z.infer<typeof partDoneSchema>): void {
	const session = loadOwnSession(deps.db, uploadId, userId);
	requireActive(session);
	checkPartNumber(session, partNumber);
	const expected = expectedPartSize(session, partNumber);
	if (input.size !== expected) {
		throw new ApiError(400, 'part_size_mismatch', `Part ${partNumber} must be ${expected} bytes; you reported ${input.size}.`);
	}
	const row = { uploadSessionId: session.id, partNumber, sizeBytes: input.size, etag: normalizeEtag(input.etag), checksum: input.checksum ?? null };
	deps.db
		.insert(uploadParts)
		.values(row)
		.onConflictDoUpdate({ target: [uploadParts.uploadSessionId, uploadParts.partNumber], set: { etag: row.etag, sizeBytes: row.sizeBytes, checksum: row.checksum, reportedAt: new Date() } })
		.run();
	touch(deps, session);
}

export function normalizeEtag(etag: string): string {
	return etag.trim().replace(/^W\//, '').replace(/^"|"$/g, '');
}

/** What storage holds, merged with what the client reported; storage wins where it can tell. */
async function knownParts(deps: UploadDeps, session: Session, provider: StorageProvider): Promise<Map<number, StoredPart & { checksum: string | null }>> {
	const reported = deps.db.select().from(uploadParts).where(eq(uploadParts.uploadSessionId, session.id)).all();
	const byNumber = new Map<number, StoredPart & { checksum: string | null }>();
	if (provider.capabilities.listParts) {
		const stored = await deps.storage.call(session.storageProviderId, () => provider.listParts({ key: session.storageKey, uploadId: session.storageUploadId }));
		const checksums = new Map(reported.map((r) => [r.partNumber, r.checksum]));
		for (const part of stored) byNumber.set(part.partNumber, { ...part, etag: normalizeEtag(part.etag), checksum: checksums.get(part.partNumber) ?? null });
	} else {
		for (const r of reported) byNumber.set(r.partNumber, { partNumber: r.partNumber, size: r.sizeBytes, etag: r.etag, checksum: r.checksum });
	}
	return byNumber;
}

export async function getUploadStatus(deps: UploadDeps, userId: string, uploadId: string) {
	const session = loadOwnSession(deps.db, uploadId, userId);
	const provider = deps.storage.get(session.storageProviderId);
	const parts = session.state === 'uploading' ? [...(await knownParts(deps, session, provider)).values()] : [];
	return {
		uploadId: session.id,
		fileId: session.fileId,
		roomId: session.roomId,
		fileName: session.fileName,
		state: session.state,
		size: session.sizeBytes,
		partSize: session.partSizeBytes,
		partCount: session.partCount,
		checksumAlgorithm: session.checksumAlgorithm,
		parts: parts.sort((a, b) => a.partNumber - b.partNumber).map(({ partNumber, size, etag, checksum }) => ({ partNumber, size, etag, checksum })),
		expiresAt: session.expiresAt
	};
}

export function fileView(file: typeof files.$inferSelect) {
	return {
		id: file.id,
		roomId: file.roomId,
		name: file.name,
		contentType: file.contentType,
		size: file.sizeBytes,
		checksum: file.checksumValue ? { algorithm: file.checksumAlgorithm, value: file.checksumValue } : null,
		encryption: file.encryptionJson ? (JSON.parse(file.encryptionJson) as unknown) : null,
		uploadedByUserId: file.uploadedByUserId,
		createdAt: file.createdAt
	};
}

export async function completeUpload(deps: UploadDeps, userId: string, uploadId: string, input: z.infer<typeof completeSchema>) {
	const { db } = deps;
	const session = loadOwnSession(db, uploadId, userId);
	if (session.state === 'completed') {
		const file = db.select().from(files).where(eq(files.id, session.fileId)).get();
		if (file) return { file: fileView(file), alreadyCompleted: true };
	}
	if (session.state === 'completing') {
		throw new ApiError(409, 'completion_in_progress', 'This upload is being completed by another request; ask again in a moment.', { 'Retry-After': '2' });
	}
	requireActive(session);
	const provider = deps.storage.get(session.storageProviderId);
	const claimed = new Map<number, string>();
	for (const part of input.parts) {
		if (claimed.has(part.partNumber)) throw new ApiError(400, 'duplicate_part', `Part ${part.partNumber} is listed twice.`);
		checkPartNumber(session, part.partNumber);
		claimed.set(part.partNumber, normalizeEtag(part.etag));
	}
	const known = await knownParts(deps, session, provider);
	for (let n = 1; n <= session.partCount; n++) {
		const stored = known.get(n);
		if (!claimed.has(n) || !stored) {
			throw new ApiError(409, 'part_missing', `Part ${n} has not been uploaded; upload it, then complete again.`);
		}
		const expected = expectedPartSize(session, n);
		if (stored.size !== expected) {
			throw new ApiError(409, 'part_size_mismatch', `Part ${n} holds ${stored.size} bytes but must hold ${expected}; upload it again.`);
		}
		if (stored.etag !== claimed.get(n)) {
			throw new ApiError(409, 'etag_mismatch', `The ETag you sent for part ${n} does not match the stored part; upload it again.`);
		}
	}
	let checksum: { algorithm: string; value: string } | null = null;
	if (input.checksum) {
		if (input.checksum.algorithm !== session.checksumAlgorithm) {
			throw new ApiError(400, 'checksum_algorithm_mismatch', `This upload uses ${session.checksumAlgorithm ?? 'no'} checksums, not ${input.checksum.algorithm}.`);
		}
		const partChecksums: string[] = [];
		for (let n = 1; n <= session.partCount; n++) {
			const value = known.get(n)?.checksum;
			if (!value) throw new ApiError(409, 'part_checksum_missing', `Report part ${n}'s checksum (POST .../parts/${n}/done) before completing with a file checksum.`);
			partChecksums.push(value);
		}
		const expected = await compositeChecksum(input.checksum.algorithm, partChecksums);
		if (expected !== input.checksum.value) {
			throw new ApiError(409, 'checksum_mismatch', 'The file checksum does not match the checksums of its parts; the upload is corrupt, start it again.');
		}
		checksum = { algorithm: input.checksum.algorithm, value: expected };
	}
	// Only one request may complete; the state flips atomically.
	const claimedCompletion = db
		.update(uploadSessions)
		.set({ state: 'completing' })
		.where(and(eq(uploadSessions.id, session.id), eq(uploadSessions.state, 'uploading')))
		.run();
	if (claimedCompletion.changes === 0) return completeUpload(deps, userId, uploadId, input);
	try {
		const parts = [...claimed].sort((a, b) => a[0] - b[0]).map(([partNumber]) => ({ partNumber, etag: known.get(partNumber)!.etag }));
		const result = await deps.storage.call(session.storageProviderId, () =>
			provider.completeMultipartUpload({ key: session.storageKey, uploadId: session.storageUploadId, parts })
		);
		if (result.size !== session.sizeBytes) {
			throw new ApiError(409, 'size_mismatch', `Storage holds ${result.size} bytes but the upload declared ${session.sizeBytes}.`);
		}
	} catch (error) {
		db.update(uploadSessions).set({ state: 'uploading' }).where(eq(uploadSessions.id, session.id)).run();
		throw error;
	}
	const file = db.transaction((tx) => {
		const row = {
			id: session.fileId,
			roomId: session.roomId,
			uploadedByUserId: userId,
			storageProviderId: session.storageProviderId,
			storageKey: session.storageKey,
			name: session.fileName,
			contentType: session.contentType,
			sizeBytes: session.sizeBytes,
			checksumAlgorithm: checksum?.algorithm ?? null,
			checksumValue: checksum?.value ?? null,
			encryptionJson: session.encryptionJson
		};
		tx.insert(files).values(row).run();
		tx.update(uploadSessions).set({ state: 'completed', completedAt: new Date() }).where(eq(uploadSessions.id, session.id)).run();
		tx.delete(uploadParts).where(eq(uploadParts.uploadSessionId, session.id)).run();
		return tx.select().from(files).where(eq(files.id, session.fileId)).get()!;
	});
	return { file: fileView(file), alreadyCompleted: false };
}

export async function abortUpload(deps: UploadDeps, userId: string, uploadId: string): Promise<Session> {
	const session = loadOwnSession(deps.db, uploadId, userId);
	if (session.state === 'completed') throw new ApiError(409, 'upload_completed', 'This upload is complete; delete the file instead.');
	if (session.state === 'completing') throw new ApiError(409, 'completion_in_progress', 'This upload is being completed; delete the file once it is done.');
	await abortOnStorage(deps, session);
	deps.db.update(uploadSessions).set({ state: 'aborted' }).where(eq(uploadSessions.id, session.id)).run();
	deps.db.delete(uploadParts).where(eq(uploadParts.uploadSessionId, session.id)).run();
	return session;
}

async function abortOnStorage(deps: UploadDeps, session: Session): Promise<void> {
	if (session.state === 'aborted' || session.state === 'expired') return;
	const provider = deps.storage.get(session.storageProviderId);
	try {
		await deps.storage.call(session.storageProviderId, () => provider.abortMultipartUpload({ key: session.storageKey, uploadId: session.storageUploadId }));
	} catch (error) {
		// Already gone on the storage side is the outcome we wanted.
		if ((error as { code?: string }).code !== 'no_such_upload') throw error;
	}
}

/**
 * Aborts uploads idle past their expiry on their provider and removes their
 * rows, so nothing half-uploaded lingers. Returns how many were cleaned.
 */
export async function cleanupExpiredUploads(deps: UploadDeps, now = new Date()): Promise<number> {
	const expired = deps.db
		.select()
		.from(uploadSessions)
		.where(and(inArray(uploadSessions.state, ['uploading', 'aborted']), lt(uploadSessions.expiresAt, now)))
		.all();
	let cleaned = 0;
	for (const session of expired) {
		try {
			await abortOnStorage(deps, session);
			deps.db.delete(uploadSessions).where(eq(uploadSessions.id, session.id)).run();
			cleaned += 1;
		} catch (error) {
			console.error(`could not clean up expired upload ${session.id}:`, error);
		}
	}
	return cleaned;
}
