/**
 * One Ferry room's live state and the pure reducer that moves it.
 *
 * No timers, no sockets, no clock: every call gets `now` (ms since the epoch)
 * and returns the new state plus effects for the shell to carry out. Time-based
 * work (trailing progress flushes, stall detection) happens on a `tick`; the
 * shell asks `nextWakeAt` when to send one.
 */
import {
	parseClientMessage,
	type ClientMessage,
	type Member,
	type RoomFile,
	type RoomMessage,
	type ServerPost,
	type TransferView,
	type UploadProgress,
	type UploadRef
} from './room-messages';

/** 250 ms apart = at most 4 progress broadcasts a second per transfer, whatever clients send. */
export const PROGRESS_INTERVAL_MS = 250;
/** A running transfer silent this long is shown as stalled (its tab probably died). */
export const STALL_AFTER_MS = 30_000;

export interface RoomStats {
	messagesIn: number;
	broadcastsOut: number;
	/** Messages sent to one connection (snapshots). */
	sentOut: number;
	/** Unparseable, unknown type, binary, or too large. */
	dropped: number;
	/** Well-formed but not allowed (viewer, someone else's upload, other room). */
	rejected: number;
	/** Progress reports folded into a later broadcast by the throttle. */
	coalesced: number;
}

interface TransferBase extends UploadRef, UploadProgress {
	updatedAt: number;
	/** When progress was last broadcast; null before the first one. */
	lastBroadcastAt: number | null;
}

/** Only a running transfer can hold progress the room has not broadcast yet. */
export type Transfer =
	| (TransferBase & { status: 'running'; unsent: boolean })
	| (TransferBase & { status: 'paused' })
	| (TransferBase & { status: 'stalled' });

export interface RoomState {
	roomId: string;
	/** Connection id -> who holds it. A user with two tabs has two entries and is one member. */
	connections: ReadonlyMap<string, Member>;
	/** Active transfers by uploadId. */
	transfers: ReadonlyMap<string, Transfer>;
	/** uploadId -> userId of its first reporter; outlives the transfer so nobody takes it over later. */
	uploadOwners: ReadonlyMap<string, string>;
	files: ReadonlyMap<string, RoomFile>;
	/** userId -> when they were removed; tokens issued before then no longer open the room. */
	removedAt: ReadonlyMap<string, number>;
	stats: RoomStats;
}

export type RoomEvent =
	/** `issuedAt` is the token's iat in ms, checked against removals. */
	| { type: 'connected'; connectionId: string; member: Member; issuedAt: number }
	| { type: 'disconnected'; connectionId: string }
	| { type: 'message'; connectionId: string; raw: string | null }
	| { type: 'server-post'; post: ServerPost }
	| { type: 'tick' };

export type Effect =
	| { kind: 'broadcast'; message: RoomMessage; except?: string[] }
	| { kind: 'send'; connectionId: string; message: RoomMessage }
	| { kind: 'close'; connectionIds: string[]; code: number; reason: string };

/** WebSocket close codes in the application range, so clients can tell why. */
export const CLOSE_REMOVED = 4003;

export function createRoomState(roomId: string): RoomState {
	return {
		roomId,
		connections: new Map(),
		transfers: new Map(),
		uploadOwners: new Map(),
		files: new Map(),
		removedAt: new Map(),
		stats: { messagesIn: 0, broadcastsOut: 0, sentOut: 0, dropped: 0, rejected: 0, coalesced: 0 }
	};
}

/** Mutable copies for the duration of one reduce call; the caller's state is never touched. */
interface Draft {
	roomId: string;
	connections: Map<string, Member>;
	transfers: Map<string, Transfer>;
	uploadOwners: Map<string, string>;
	files: Map<string, RoomFile>;
	removedAt: Map<string, number>;
	stats: RoomStats;
	effects: Effect[];
}

export function reduce(
	state: RoomState,
	event: RoomEvent,
	now: number
): { state: RoomState; effects: Effect[] } {
	const d: Draft = {
		roomId: state.roomId,
		connections: new Map(state.connections),
		transfers: new Map(state.transfers),
		uploadOwners: new Map(state.uploadOwners),
		files: new Map(state.files),
		removedAt: new Map(state.removedAt),
		stats: { ...state.stats },
		effects: []
	};
	switch (event.type) {
		case 'connected':
			connect(d, event.connectionId, event.member, event.issuedAt, now);
			break;
		case 'disconnected':
			disconnect(d, event.connectionId);
			break;
		case 'message':
			receive(d, event.connectionId, event.raw, now);
			break;
		case 'server-post':
			applyServerPost(d, event.post, now);
			break;
		case 'tick':
			break;
	}
	// After the event, so a progress report that is itself due goes out as the
	// newest value instead of first flushing the older one it replaces.
	sweep(d, now);
	const { effects, ...next } = d;
	return { state: next, effects };
}

/** When the shell should send the next `tick`, or null when nothing is waiting on time. */
export function nextWakeAt(state: RoomState): number | null {
	let next = Infinity;
	for (const t of state.transfers.values()) {
		if (t.status !== 'running') continue;
		if (t.unsent && t.lastBroadcastAt !== null)
			next = Math.min(next, t.lastBroadcastAt + PROGRESS_INTERVAL_MS);
		next = Math.min(next, t.updatedAt + STALL_AFTER_MS);
	}
	return next === Infinity ? null : next;
}

/** Who is online: one entry per user however many tabs they have open. */
export function onlineMembers(state: Pick<RoomState, 'connections'>): Member[] {
	const byUser = new Map<string, Member>();
	for (const member of state.connections.values()) byUser.set(member.userId, member);
	return [...byUser.values()];
}

export function snapshotOf(
	state: Pick<RoomState, 'roomId' | 'connections' | 'transfers' | 'files'>
): RoomMessage {
	return {
		type: 'snapshot',
		roomId: state.roomId,
		members: onlineMembers(state),
		transfers: [...state.transfers.values()].map(toView),
		files: [...state.files.values()]
	};
}

function connect(
	d: Draft,
	connectionId: string,
	member: Member,
	issuedAt: number,
	now: number
): void {
	const removedAt = d.removedAt.get(member.userId);
	if (removedAt !== undefined && issuedAt <= removedAt) {
		d.effects.push({
			kind: 'close',
			connectionIds: [connectionId],
			code: CLOSE_REMOVED,
			reason: 'removed from room'
		});
		return;
	}
	const alreadyOnline = hasConnection(d, member.userId);
	d.connections.set(connectionId, member);
	// Stall state is brought up to date before the snapshot, so a late joiner
	// never sees as running a transfer that everyone else was told has stalled.
	sweep(d, now);
	send(d, connectionId, snapshotOf(d));
	if (!alreadyOnline) broadcast(d, { type: 'member-joined', member }, [connectionId]);
}

function disconnect(d: Draft, connectionId: string): void {
	const member = d.connections.get(connectionId);
	// Connections closed by a removal were forgotten already; their close events are echoes.
	if (member === undefined) return;
	d.connections.delete(connectionId);
	if (!hasConnection(d, member.userId)) {
		broadcast(d, { type: 'member-left', userId: member.userId, userName: member.userName });
	}
}

function receive(d: Draft, connectionId: string, raw: string | null, now: number): void {
	d.stats.messagesIn++;
	const sender = d.connections.get(connectionId);
	const message = parseClientMessage(raw);
	if (message === null) {
		d.stats.dropped++;
		return;
	}
	if (sender === undefined || !mayReport(d, sender, message)) {
		d.stats.rejected++;
		return;
	}
	d.uploadOwners.set(message.uploadId, sender.userId);
	// Identity comes from the token (the connection), never from the message.
	const ref: UploadRef = {
		roomId: d.roomId,
		fileId: message.fileId,
		uploadId: message.uploadId,
		fileName: message.fileName,
		userId: sender.userId,
		userName: sender.userName
	};
	const existing = d.transfers.get(message.uploadId);
	switch (message.type) {
		case 'file-upload-started': {
			const progress = existing ?? emptyProgress(message.totalBytes);
			d.transfers.set(
				ref.uploadId,
				running(ref, progress, now, existing?.lastBroadcastAt ?? null, false)
			);
			broadcast(d, { type: 'file-upload-started', ...ref, totalBytes: message.totalBytes });
			return;
		}
		case 'file-upload-progress': {
			const progress = pickProgress(message);
			const due =
				existing?.lastBroadcastAt == null || now - existing.lastBroadcastAt >= PROGRESS_INTERVAL_MS;
			if (due) {
				d.transfers.set(ref.uploadId, running(ref, progress, now, now, false));
				broadcast(d, { type: 'file-upload-progress', ...ref, ...progress });
			} else {
				d.transfers.set(ref.uploadId, running(ref, progress, now, existing.lastBroadcastAt, true));
				d.stats.coalesced++;
			}
			return;
		}
		case 'file-upload-paused':
			flushUnsent(d, ref.uploadId, now);
			if (existing)
				d.transfers.set(ref.uploadId, { ...existing, ...ref, status: 'paused', updatedAt: now });
			broadcast(d, { type: 'file-upload-paused', ...ref });
			return;
		case 'file-upload-resumed':
			if (existing) {
				d.transfers.set(ref.uploadId, running(ref, existing, now, existing.lastBroadcastAt, false));
			}
			broadcast(d, { type: 'file-upload-resumed', ...ref });
			return;
		case 'file-upload-failed':
			flushUnsent(d, ref.uploadId, now);
			d.transfers.delete(ref.uploadId);
			broadcast(d, { type: 'file-upload-failed', ...ref, error: message.error });
			return;
		case 'file-upload-completed':
			flushUnsent(d, ref.uploadId, now);
			d.transfers.delete(ref.uploadId);
			broadcast(d, { type: 'file-upload-completed', ...ref, by: 'client' });
			return;
	}
}

function mayReport(d: Draft, sender: Member, message: ClientMessage): boolean {
	if (sender.role === 'viewer') return false;
	if (message.roomId !== undefined && message.roomId !== d.roomId) return false;
	const owner = d.uploadOwners.get(message.uploadId);
	if (owner !== undefined && owner !== sender.userId) return false;
	// An uploadId belongs to one file; a report naming another file is a client bug or a probe.
	const existing = d.transfers.get(message.uploadId);
	return existing === undefined || existing.fileId === message.fileId;
}

function applyServerPost(d: Draft, post: ServerPost, now: number): void {
	switch (post.type) {
		case 'file-added':
			d.files.set(post.file.fileId, post.file);
			broadcast(d, post);
			return;
		case 'file-removed':
			d.files.delete(post.fileId);
			for (const [uploadId, t] of d.transfers)
				if (t.fileId === post.fileId) d.transfers.delete(uploadId);
			broadcast(d, post);
			return;
		case 'file-upload-completed':
		case 'file-upload-cancelled': {
			if (post.type === 'file-upload-completed') flushUnsent(d, post.uploadId, now);
			d.transfers.delete(post.uploadId);
			const ref: UploadRef = { ...post, roomId: d.roomId };
			broadcast(
				d,
				post.type === 'file-upload-completed'
					? { ...ref, type: post.type, by: 'server' }
					: { ...ref, type: post.type }
			);
			return;
		}
		case 'member-removed': {
			const ids = [...d.connections].filter(([, m]) => m.userId === post.userId).map(([id]) => id);
			for (const id of ids) d.connections.delete(id);
			d.removedAt.set(post.userId, now);
			// Before the close, so the removed tabs learn it too and the shell never
			// broadcasts to sockets it has just closed.
			broadcast(d, { type: 'member-removed', userId: post.userId });
			if (ids.length > 0)
				d.effects.push({
					kind: 'close',
					connectionIds: ids,
					code: CLOSE_REMOVED,
					reason: 'removed from room'
				});
			return;
		}
	}
}

/** Sends progress held back by the throttle once its slot has come, and marks silent transfers stalled. */
function sweep(d: Draft, now: number): void {
	for (const t of d.transfers.values()) {
		if (t.status !== 'running') continue;
		if (t.unsent && t.lastBroadcastAt !== null && now >= t.lastBroadcastAt + PROGRESS_INTERVAL_MS) {
			flushUnsent(d, t.uploadId, now);
		}
		if (now - t.updatedAt >= STALL_AFTER_MS) {
			const current = d.transfers.get(t.uploadId)!;
			d.transfers.set(t.uploadId, { ...current, status: 'stalled' });
			broadcast(d, {
				type: 'file-upload-stalled',
				...refOf(current),
				...pickProgress(current),
				updatedAt: current.updatedAt
			});
		}
	}
}

/** The trailing update: the last value before a pause, failure or completion is never lost. */
function flushUnsent(d: Draft, uploadId: string, now: number): void {
	const t = d.transfers.get(uploadId);
	if (t?.status !== 'running' || !t.unsent) return;
	d.transfers.set(uploadId, { ...t, unsent: false, lastBroadcastAt: now });
	broadcast(d, { type: 'file-upload-progress', ...refOf(t), ...pickProgress(t) });
}

function running(
	ref: UploadRef,
	progress: UploadProgress,
	now: number,
	lastBroadcastAt: number | null,
	unsent: boolean
): Transfer {
	return {
		...ref,
		...pickProgress(progress),
		status: 'running',
		updatedAt: now,
		lastBroadcastAt,
		unsent
	};
}

function toView(t: Transfer): TransferView {
	return { ...refOf(t), ...pickProgress(t), status: t.status, updatedAt: t.updatedAt };
}

function refOf(t: UploadRef): UploadRef {
	const { roomId, fileId, uploadId, fileName, userId, userName } = t;
	return { roomId, fileId, uploadId, fileName, userId, userName };
}

function pickProgress(p: UploadProgress): UploadProgress {
	const { bytesUploaded, totalBytes, percentage, uploadSpeed, estimatedTimeRemaining } = p;
	return { bytesUploaded, totalBytes, percentage, uploadSpeed, estimatedTimeRemaining };
}

function emptyProgress(totalBytes: number): UploadProgress {
	return {
		bytesUploaded: 0,
		totalBytes,
		percentage: 0,
		uploadSpeed: 0,
		estimatedTimeRemaining: null
	};
}

function hasConnection(d: Draft, userId: string): boolean {
	for (const m of d.connections.values()) if (m.userId === userId) return true;
	return false;
}

function broadcast(d: Draft, message: RoomMessage, except?: string[]): void {
	d.stats.broadcastsOut++;
	d.effects.push(except ? { kind: 'broadcast', message, except } : { kind: 'broadcast', message });
}

function send(d: Draft, connectionId: string, message: RoomMessage): void {
	d.stats.sentOut++;
	d.effects.push({ kind: 'send', connectionId, message });
}
