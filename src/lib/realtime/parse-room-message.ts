/**
 * What the page accepts from the room server. The room is ours, but a frame may come from an
 * older or newer room version, so anything unexpected is dropped (null) instead of reaching the
 * UI half-formed.
 */
import type {
	Member,
	RoomFile,
	RoomMessage,
	TransferView,
	UploadProgress,
	UploadRef
} from '../../../party/room-messages';

type Fields = Record<string, unknown>;

export function parseRoomMessage(data: unknown): RoomMessage | null {
	if (typeof data !== 'string' || data.length > 1_000_000) return null;
	let value: unknown;
	try {
		value = JSON.parse(data);
	} catch {
		return null;
	}
	if (!isObject(value)) return null;
	const m = value;
	switch (m.type) {
		case 'snapshot': {
			if (!isText(m.roomId) || !Array.isArray(m.members) || !Array.isArray(m.transfers))
				return null;
			const files = Array.isArray(m.files) ? m.files : [];
			return {
				type: 'snapshot',
				roomId: m.roomId,
				members: m.members.map(member).filter((x) => x !== null),
				transfers: m.transfers.map(transferView).filter((x) => x !== null),
				files: files.map(roomFile).filter((x) => x !== null)
			};
		}
		case 'member-joined': {
			const who = member(m.member);
			return who ? { type: 'member-joined', member: who } : null;
		}
		case 'member-left':
			return isText(m.userId)
				? { type: 'member-left', userId: m.userId, userName: textOr(m.userName, '') }
				: null;
		case 'member-removed':
			return isText(m.userId) ? { type: 'member-removed', userId: m.userId } : null;
		case 'file-added': {
			const file = roomFile(m.file);
			return file ? { type: 'file-added', file } : null;
		}
		case 'file-removed':
			return isText(m.fileId) ? { type: 'file-removed', fileId: m.fileId } : null;
		case 'file-upload-started': {
			const ref = uploadRef(m);
			return ref && isCount(m.totalBytes)
				? { type: 'file-upload-started', ...ref, totalBytes: m.totalBytes }
				: null;
		}
		case 'file-upload-progress': {
			const ref = uploadRef(m);
			const p = progress(m);
			return ref && p ? { type: 'file-upload-progress', ...ref, ...p } : null;
		}
		case 'file-upload-stalled': {
			const ref = uploadRef(m);
			const p = progress(m);
			return ref && p && isNumber(m.updatedAt)
				? { type: 'file-upload-stalled', ...ref, ...p, updatedAt: m.updatedAt }
				: null;
		}
		case 'file-upload-paused':
		case 'file-upload-resumed':
		case 'file-upload-cancelled': {
			const ref = uploadRef(m);
			return ref ? { type: m.type, ...ref } : null;
		}
		case 'file-upload-failed': {
			const ref = uploadRef(m);
			return ref ? { type: 'file-upload-failed', ...ref, error: textOr(m.error, '') } : null;
		}
		case 'file-upload-completed': {
			const ref = uploadRef(m);
			return ref
				? { type: 'file-upload-completed', ...ref, by: m.by === 'server' ? 'server' : 'client' }
				: null;
		}
		default:
			return null;
	}
}

function member(v: unknown): Member | null {
	if (!isObject(v) || !isText(v.userId)) return null;
	const role = v.role === 'owner' || v.role === 'member' || v.role === 'viewer' ? v.role : 'viewer';
	return { userId: v.userId, userName: textOr(v.userName, ''), role };
}

function roomFile(v: unknown): RoomFile | null {
	if (!isObject(v) || !isText(v.fileId) || !isCount(v.size)) return null;
	return { fileId: v.fileId, fileName: textOr(v.fileName, ''), size: v.size };
}

function uploadRef(v: Fields): UploadRef | null {
	if (!isText(v.uploadId) || !isText(v.fileId) || !isText(v.userId)) return null;
	return {
		roomId: textOr(v.roomId, ''),
		fileId: v.fileId,
		uploadId: v.uploadId,
		fileName: textOr(v.fileName, ''),
		userId: v.userId,
		userName: textOr(v.userName, '')
	};
}

function progress(v: Fields): UploadProgress | null {
	const { bytesUploaded, totalBytes, percentage, uploadSpeed, estimatedTimeRemaining } = v;
	if (!isCount(bytesUploaded) || !isCount(totalBytes)) return null;
	if (!isNumber(percentage) || !isNumber(uploadSpeed)) return null;
	return {
		bytesUploaded,
		totalBytes,
		percentage: Math.min(100, Math.max(0, percentage)),
		uploadSpeed: Math.max(0, uploadSpeed),
		estimatedTimeRemaining: isNumber(estimatedTimeRemaining)
			? Math.max(0, estimatedTimeRemaining)
			: null
	};
}

function transferView(v: unknown): TransferView | null {
	if (!isObject(v)) return null;
	const ref = uploadRef(v);
	const p = progress(v);
	if (!ref || !p) return null;
	const status = v.status === 'paused' || v.status === 'stalled' ? v.status : 'running';
	return { ...ref, ...p, status, updatedAt: isNumber(v.updatedAt) ? v.updatedAt : Date.now() };
}

function isObject(v: unknown): v is Fields {
	return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isText(v: unknown): v is string {
	return typeof v === 'string' && v.length > 0 && v.length <= 1024;
}

function textOr(v: unknown, fallback: string): string {
	return typeof v === 'string' ? v.slice(0, 1024) : fallback;
}

function isNumber(v: unknown): v is number {
	return typeof v === 'number' && Number.isFinite(v);
}

function isCount(v: unknown): v is number {
	return Number.isSafeInteger(v) && (v as number) >= 0;
}
