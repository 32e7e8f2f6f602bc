/**
 * The room's wire protocol: what clients may send, what the SvelteKit server
 * may post, and what the room sends out. Everything arriving is untrusted JSON,
 * so each kind has a parser that returns null instead of throwing.
 *
 * Pure: imported by the room reducer, by tests and later by the page's client.
 */
import type { RoomRole } from './room-token';

export interface Member {
	userId: string;
	userName: string;
	role: RoomRole;
}

export interface UploadProgress {
	bytesUploaded: number;
	totalBytes: number;
	percentage: number;
	/** Bytes per second. */
	uploadSpeed: number;
	/** Seconds; null while the client cannot estimate it yet. */
	estimatedTimeRemaining: number | null;
}

/** Fields every upload message names. `roomId` is optional inbound: the room knows its own id. */
interface UploadRefIn {
	fileId: string;
	uploadId: string;
	fileName: string;
	roomId?: string;
}

export type ClientMessage =
	| (UploadRefIn & { type: 'file-upload-started'; totalBytes: number })
	| (UploadRefIn & UploadProgress & { type: 'file-upload-progress' })
	| (UploadRefIn & { type: 'file-upload-paused' })
	| (UploadRefIn & { type: 'file-upload-resumed' })
	| (UploadRefIn & { type: 'file-upload-failed'; error: string })
	| (UploadRefIn & { type: 'file-upload-completed' });

export interface RoomFile {
	fileId: string;
	fileName: string;
	size: number;
	contentType?: string;
}

/** Who an upload belongs to, as the room broadcasts it: user fields come from the token. */
export interface UploadRef {
	roomId: string;
	fileId: string;
	uploadId: string;
	fileName: string;
	userId: string;
	userName: string;
}

/** Posted by the SvelteKit server (trusted, so it names the user itself). */
export type ServerPost =
	| { type: 'file-added'; file: RoomFile }
	| { type: 'file-removed'; fileId: string }
	| ({ type: 'file-upload-completed' } & Omit<UploadRef, 'roomId'>)
	| ({ type: 'file-upload-cancelled' } & Omit<UploadRef, 'roomId'>)
	| { type: 'member-removed'; userId: string };

export type TransferStatus = 'running' | 'paused' | 'stalled';

export interface TransferView extends UploadRef, UploadProgress {
	status: TransferStatus;
	/** Milliseconds since the epoch of the last report from the uploader. */
	updatedAt: number;
}

export type RoomMessage =
	| (UploadRef & { type: 'file-upload-started'; totalBytes: number })
	| (UploadRef & UploadProgress & { type: 'file-upload-progress' })
	| (UploadRef & { type: 'file-upload-paused' })
	| (UploadRef & { type: 'file-upload-resumed' })
	| (UploadRef & { type: 'file-upload-failed'; error: string })
	| (UploadRef & { type: 'file-upload-completed'; by: 'client' | 'server' })
	| (UploadRef & { type: 'file-upload-cancelled' })
	| (UploadRef & UploadProgress & { type: 'file-upload-stalled'; updatedAt: number })
	| { type: 'member-joined'; member: Member }
	| { type: 'member-left'; userId: string; userName: string }
	| { type: 'member-removed'; userId: string }
	| { type: 'file-added'; file: RoomFile }
	| { type: 'file-removed'; fileId: string }
	| {
			type: 'snapshot';
			roomId: string;
			members: Member[];
			transfers: TransferView[];
			/** Files added since the room started; the page's own list stays the source of truth. */
			files: RoomFile[];
	  };

type Fields = Record<string, unknown>;

/**
 * `raw` is the text frame as received; binary frames are passed as null.
 * The result is rebuilt field by field, so nothing a client adds (a `userId`,
 * say) survives parsing.
 */
export function parseClientMessage(raw: string | null): ClientMessage | null {
	const m = parseObject(raw);
	if (m === null || !isId(m.fileId) || !isId(m.uploadId) || !isName(m.fileName)) return null;
	if (m.roomId !== undefined && !isId(m.roomId)) return null;
	const ref: UploadRefIn = { fileId: m.fileId, uploadId: m.uploadId, fileName: m.fileName };
	if (m.roomId !== undefined) ref.roomId = m.roomId;
	switch (m.type) {
		case 'file-upload-started':
			return isByteCount(m.totalBytes) ? { type: m.type, ...ref, totalBytes: m.totalBytes } : null;
		case 'file-upload-progress': {
			const progress = parseProgress(m);
			return progress === null ? null : { type: m.type, ...ref, ...progress };
		}
		case 'file-upload-failed':
			return typeof m.error === 'string' && m.error.length <= 200
				? { type: m.type, ...ref, error: m.error }
				: null;
		case 'file-upload-paused':
		case 'file-upload-resumed':
		case 'file-upload-completed':
			return { type: m.type, ...ref };
		default:
			return null;
	}
}

/** Same rebuilding as for clients: the post is trusted, but extra fields still do not travel on. */
export function parseServerPost(body: unknown): ServerPost | null {
	if (typeof body !== 'object' || body === null) return null;
	const m = body as Fields;
	switch (m.type) {
		case 'file-added': {
			const f = m.file as Fields | null | undefined;
			if (typeof f !== 'object' || f === null) return null;
			if (!isId(f.fileId) || !isName(f.fileName) || !isByteCount(f.size)) return null;
			if (f.contentType !== undefined && typeof f.contentType !== 'string') return null;
			const file: RoomFile = { fileId: f.fileId, fileName: f.fileName, size: f.size };
			if (f.contentType !== undefined) file.contentType = f.contentType;
			return { type: m.type, file };
		}
		case 'file-removed':
			return isId(m.fileId) ? { type: m.type, fileId: m.fileId } : null;
		case 'file-upload-completed':
		case 'file-upload-cancelled': {
			const { fileId, uploadId, fileName, userId, userName } = m;
			if (
				!isId(fileId) ||
				!isId(uploadId) ||
				!isName(fileName) ||
				!isId(userId) ||
				!isName(userName)
			)
				return null;
			return { type: m.type, fileId, uploadId, fileName, userId, userName };
		}
		case 'member-removed':
			return isId(m.userId) ? { type: m.type, userId: m.userId } : null;
		default:
			return null;
	}
}

function parseObject(raw: string | null): Fields | null {
	// A cap well above any real message keeps a hostile client from making the room parse megabytes.
	if (raw === null || raw.length > 4096) return null;
	try {
		const value: unknown = JSON.parse(raw);
		return typeof value === 'object' && value !== null && !Array.isArray(value)
			? (value as Fields)
			: null;
	} catch {
		return null;
	}
}

function parseProgress(m: Fields): UploadProgress | null {
	const { bytesUploaded, totalBytes, percentage, uploadSpeed, estimatedTimeRemaining } = m;
	if (!isByteCount(bytesUploaded) || !isByteCount(totalBytes) || bytesUploaded > totalBytes)
		return null;
	if (!isFiniteAtLeastZero(percentage) || percentage > 100 || !isFiniteAtLeastZero(uploadSpeed))
		return null;
	if (estimatedTimeRemaining !== null && !isFiniteAtLeastZero(estimatedTimeRemaining)) return null;
	return { bytesUploaded, totalBytes, percentage, uploadSpeed, estimatedTimeRemaining };
}

function isId(v: unknown): v is string {
	return typeof v === 'string' && v.length > 0 && v.length <= 128;
}

function isName(v: unknown): v is string {
	return typeof v === 'string' && v.length <= 1024;
}

function isByteCount(v: unknown): v is number {
	return Number.isSafeInteger(v) && (v as number) >= 0;
}

function isFiniteAtLeastZero(v: unknown): v is number {
	return typeof v === 'number' && Number.isFinite(v) && v >= 0;
}
