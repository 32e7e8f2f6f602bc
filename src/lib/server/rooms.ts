import { and, asc, desc, eq, gt, isNull, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from './db';
import { auditLog, roomInvites, roomMembers, rooms, users, type RoomRole } from './db/schema';
import { ApiError } from './http';
import { hashToken, newId, randomToken } from './tokens';

export const roomNameSchema = z
	.string()
	.trim()
	.min(1, 'give the room a name')
	.max(100, 'use at most 100 characters for the room name')
	.regex(/^[^\p{Cc}]*$/u, 'the room name may not contain control characters');

export const createRoomSchema = z.object({
	name: roomNameSchema,
	/** Only the flag: the room key is made in the creator's browser and never sent here. */
	endToEndEncrypted: z.boolean('endToEndEncrypted must be true or false').default(false)
});
export const renameRoomSchema = z.object({ name: roomNameSchema });
export const roleSchema = z.enum(['owner', 'member', 'viewer'], 'role must be owner, member or viewer');
export const inviteSchema = z.object({
	role: z.enum(['member', 'viewer'], 'invite role must be member or viewer').default('member'),
	expiresInHours: z.number().int().min(1).max(24 * 30).default(72)
});

const rank: Record<RoomRole, number> = { viewer: 0, member: 1, owner: 2 };

/**
 * The caller's role in a room, or a 404 that does not tell outsiders whether
 * the room exists. `atLeast` turns a too-weak role into a 403.
 */
export function requireRoomRole(db: Db, roomId: string, userId: string, atLeast: RoomRole = 'viewer'): RoomRole {
	const row = db
		.select({ role: roomMembers.role })
		.from(roomMembers)
		.where(and(eq(roomMembers.roomId, roomId), eq(roomMembers.userId, userId)))
		.get();
	if (!row) throw new ApiError(404, 'room_not_found', 'This room does not exist or you are not a member of it.');
	if (rank[row.role] < rank[atLeast]) {
		throw new ApiError(403, 'forbidden', `Only a room ${atLeast} may do this; your role is ${row.role}.`);
	}
	return row.role;
}

export function createRoom(db: Db, userId: string, name: string, endToEndEncrypted = false) {
	const room = { id: newId(), name, createdByUserId: userId, isEndToEndEncrypted: endToEndEncrypted };
	db.transaction((tx) => {
		tx.insert(rooms).values(room).run();
		tx.insert(roomMembers).values({ roomId: room.id, userId, role: 'owner' }).run();
	});
	return { id: room.id, name: room.name, endToEndEncrypted };
}

export function listRooms(db: Db, userId: string) {
	return db
		.select({ id: rooms.id, name: rooms.name, role: roomMembers.role, createdAt: rooms.createdAt })
		.from(roomMembers)
		.innerJoin(rooms, eq(roomMembers.roomId, rooms.id))
		.where(eq(roomMembers.userId, userId))
		.orderBy(asc(rooms.name))
		.all();
}

export function getRoom(db: Db, roomId: string, userId: string) {
	const role = requireRoomRole(db, roomId, userId);
	const room = db.select().from(rooms).where(eq(rooms.id, roomId)).get();
	if (!room) throw new ApiError(404, 'room_not_found', 'This room does not exist or you are not a member of it.');
	return { id: room.id, name: room.name, role, createdAt: room.createdAt, endToEndEncrypted: room.isEndToEndEncrypted, members: listMembers(db, roomId) };
}

export function listMembers(db: Db, roomId: string) {
	return db
		.select({ userId: users.id, name: users.displayName, email: users.email, role: roomMembers.role, joinedAt: roomMembers.joinedAt })
		.from(roomMembers)
		.innerJoin(users, eq(roomMembers.userId, users.id))
		.where(eq(roomMembers.roomId, roomId))
		.orderBy(asc(users.displayName))
		.all();
}

export function renameRoom(db: Db, roomId: string, userId: string, name: string) {
	requireRoomRole(db, roomId, userId, 'owner');
	db.update(rooms).set({ name }).where(eq(rooms.id, roomId)).run();
	return { id: roomId, name };
}

export function deleteRoom(db: Db, roomId: string, userId: string): void {
	requireRoomRole(db, roomId, userId, 'owner');
	db.delete(rooms).where(eq(rooms.id, roomId)).run();
}

export function createInvite(db: Db, roomId: string, userId: string, input: z.infer<typeof inviteSchema>) {
	requireRoomRole(db, roomId, userId, 'owner');
	const token = randomToken(20);
	const expiresAt = new Date(Date.now() + input.expiresInHours * 3600 * 1000);
	db.insert(roomInvites)
		.values({ id: newId(), roomId, tokenHash: hashToken(token), role: input.role, createdByUserId: userId, expiresAt })
		.run();
	return { token, role: input.role, expiresAt };
}

function findInvite(db: Db, token: string) {
	const invite = db
		.select({ invite: roomInvites, roomName: rooms.name, endToEndEncrypted: rooms.isEndToEndEncrypted })
		.from(roomInvites)
		.innerJoin(rooms, eq(roomInvites.roomId, rooms.id))
		.where(eq(roomInvites.tokenHash, hashToken(token)))
		.get();
	if (!invite || invite.invite.revokedAt) {
		throw new ApiError(404, 'invite_not_found', 'This invite link is not valid; ask for a new one.');
	}
	if (invite.invite.expiresAt.getTime() <= Date.now()) {
		throw new ApiError(410, 'invite_expired', 'This invite link has expired; ask for a new one.');
	}
	return invite;
}

export function previewInvite(db: Db, token: string) {
	const { invite, roomName, endToEndEncrypted } = findInvite(db, token);
	return { roomId: invite.roomId, roomName, role: invite.role, expiresAt: invite.expiresAt, endToEndEncrypted };
}

/** Joins the room; a member who already has a stronger role keeps it. */
export function acceptInvite(db: Db, token: string, userId: string) {
	const { invite, roomName } = findInvite(db, token);
	const joined = db.transaction((tx) => {
		const existing = tx
			.select({ role: roomMembers.role })
			.from(roomMembers)
			.where(and(eq(roomMembers.roomId, invite.roomId), eq(roomMembers.userId, userId)))
			.get();
		if (existing) return false;
		tx.insert(roomMembers).values({ roomId: invite.roomId, userId, role: invite.role }).run();
		tx.update(roomInvites)
			.set({ acceptedCount: sql`${roomInvites.acceptedCount} + 1` })
			.where(eq(roomInvites.id, invite.id))
			.run();
		return true;
	});
	const role = requireRoomRole(db, invite.roomId, userId);
	return { roomId: invite.roomId, roomName, role, joined };
}

function ownerCount(db: Db, roomId: string): number {
	return db
		.select({ n: sql<number>`count(*)` })
		.from(roomMembers)
		.where(and(eq(roomMembers.roomId, roomId), eq(roomMembers.role, 'owner')))
		.get()!.n;
}

export function changeRole(db: Db, roomId: string, actorId: string, targetUserId: string, role: RoomRole) {
	requireRoomRole(db, roomId, actorId, 'owner');
	const target = db
		.select({ role: roomMembers.role })
		.from(roomMembers)
		.where(and(eq(roomMembers.roomId, roomId), eq(roomMembers.userId, targetUserId)))
		.get();
	if (!target) throw new ApiError(404, 'member_not_found', 'That person is not a member of this room.');
	if (target.role === 'owner' && role !== 'owner' && ownerCount(db, roomId) === 1) {
		throw new ApiError(409, 'last_owner', 'A room needs an owner; make someone else owner first.');
	}
	db.update(roomMembers)
		.set({ role })
		.where(and(eq(roomMembers.roomId, roomId), eq(roomMembers.userId, targetUserId)))
		.run();
	return { userId: targetUserId, role };
}

/** Owners remove anyone; everyone may remove themselves (leave). */
export function removeMember(db: Db, roomId: string, actorId: string, targetUserId: string): void {
	const actorRole = requireRoomRole(db, roomId, actorId);
	if (actorId !== targetUserId && actorRole !== 'owner') {
		throw new ApiError(403, 'forbidden', 'Only a room owner may remove other members.');
	}
	const target = db
		.select({ role: roomMembers.role })
		.from(roomMembers)
		.where(and(eq(roomMembers.roomId, roomId), eq(roomMembers.userId, targetUserId)))
		.get();
	if (!target) throw new ApiError(404, 'member_not_found', 'That person is not a member of this room.');
	if (target.role === 'owner' && ownerCount(db, roomId) === 1) {
		throw new ApiError(409, 'last_owner', 'A room needs an owner; make someone else owner, or delete the room.');
	}
	db.delete(roomMembers).where(and(eq(roomMembers.roomId, roomId), eq(roomMembers.userId, targetUserId))).run();
}

export function readAuditLog(db: Db, roomId: string, userId: string, limit = 200) {
	requireRoomRole(db, roomId, userId, 'owner');
	return db
		.select({
			id: auditLog.id,
			at: auditLog.at,
			action: auditLog.action,
			actorUserId: auditLog.actorUserId,
			actorName: users.displayName,
			targetType: auditLog.targetType,
			targetId: auditLog.targetId,
			ip: auditLog.ip,
			details: auditLog.detailsJson
		})
		.from(auditLog)
		.leftJoin(users, eq(auditLog.actorUserId, users.id))
		.where(eq(auditLog.roomId, roomId))
		.orderBy(desc(auditLog.id))
		.limit(limit)
		.all();
}

export function activeInvites(db: Db, roomId: string) {
	return db
		.select({ id: roomInvites.id, role: roomInvites.role, expiresAt: roomInvites.expiresAt, acceptedCount: roomInvites.acceptedCount })
		.from(roomInvites)
		.where(and(eq(roomInvites.roomId, roomId), isNull(roomInvites.revokedAt), gt(roomInvites.expiresAt, new Date())))
		.all();
}
