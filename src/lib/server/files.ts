import { thumbnailKey } from './thumbnails';
import { and, desc, eq } from 'drizzle-orm';
import type { Db } from './db';
import { files, users } from './db/schema';
import { ApiError } from './http';
import { requireRoomRole } from './rooms';
import { fileView, type UploadDeps } from './uploads';

const DOWNLOAD_URL_TTL_SECONDS = 300;
const notFound = () =>
	new ApiError(404, 'file_not_found', 'This file does not exist or you may not see it.');

export function listRoomFiles(db: Db, roomId: string, userId: string) {
	requireRoomRole(db, roomId, userId);
	return db
		.select({ file: files, uploadedByName: users.displayName })
		.from(files)
		.leftJoin(users, eq(files.uploadedByUserId, users.id))
		.where(and(eq(files.roomId, roomId), eq(files.status, 'available')))
		.orderBy(desc(files.createdAt))
		.all()
		.map(({ file, uploadedByName }) => ({ ...fileView(file), uploadedByName }));
}

/** The file if the caller may see it; outsiders get the same 404 as for a missing file. */
export function getFile(db: Db, fileId: string, userId: string) {
	const file = db
		.select()
		.from(files)
		.where(and(eq(files.id, fileId), eq(files.status, 'available')))
		.get();
	if (!file) throw notFound();
	try {
		const role = requireRoomRole(db, file.roomId, userId);
		return { file, role, view: fileView(file) };
	} catch {
		throw notFound();
	}
}

export async function downloadUrl(
	deps: UploadDeps,
	fileId: string,
	userId: string,
	origin: string
) {
	const { file } = getFile(deps.db, fileId, userId);
	const provider = deps.storage.get(file.storageProviderId);
	const url = await deps.storage.call(file.storageProviderId, () =>
		provider.signGetUrl({
			key: file.storageKey,
			expiresInSeconds: DOWNLOAD_URL_TTL_SECONDS,
			fileName: file.encryptionJson ? `${file.id}.ferry` : file.name,
			contentType: file.contentType,
			origin
		})
	);
	return {
		url,
		roomId: file.roomId,
		size: file.sizeBytes,
		expiresAt: new Date(Date.now() + DOWNLOAD_URL_TTL_SECONDS * 1000)
	};
}

/** The uploader or a room owner may delete; the object goes first, then the row. */
export async function deleteFile(deps: UploadDeps, fileId: string, userId: string) {
	const { file, role } = getFile(deps.db, fileId, userId);
	if (role !== 'owner' && file.uploadedByUserId !== userId) {
		throw new ApiError(403, 'forbidden', 'Only the uploader or a room owner may delete this file.');
	}
	deps.db.update(files).set({ status: 'deleting' }).where(eq(files.id, file.id)).run();
	const provider = deps.storage.get(file.storageProviderId);
	try {
		await deps.storage.call(file.storageProviderId, () => provider.deleteObject(file.storageKey));
		// Most files have no thumbnail; a failure here must not keep the file itself alive.
		await provider.deleteObject(thumbnailKey(file.storageKey)).catch(() => {});
	} catch (error) {
		deps.db.update(files).set({ status: 'available' }).where(eq(files.id, file.id)).run();
		throw error;
	}
	deps.db.delete(files).where(eq(files.id, file.id)).run();
	return file;
}
