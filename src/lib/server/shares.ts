import { and, desc, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from './db';
import { files, shareAccessLog, shares } from './db/schema';
import { getFile } from './files';
import { ApiError } from './http';
import { formatCidr, parseCidr } from './ip-allowlist';
import { hashPassword } from './password';
import { requireRoomRole } from './rooms';
import { hashToken, newId, randomToken } from './tokens';

const YEAR_MS = 365 * 24 * 3600 * 1000;
const ACCESS_LOG_LIMIT = 500;

const expiresAtSchema = z
	.union(
		[z.iso.datetime({ offset: true }), z.number().int().positive()],
		'expiresAt must be an ISO 8601 date-time (e.g. 2030-01-31T12:00:00Z) or milliseconds since the epoch'
	)
	.transform((value) => new Date(value))
	.refine((date) => date.getTime() > Date.now(), 'expiresAt must be in the future')
	.refine((date) => date.getTime() <= Date.now() + YEAR_MS, 'expiresAt may be at most one year from now');

const allowedIpSchema = z
	.string()
	.max(64)
	.refine((text) => parseCidr(text) !== null, 'use an IP address or a CIDR range, like 203.0.113.7, 10.0.0.0/8 or 2001:db8::/32');

export const createShareSchema = z.object({
	password: z.string().min(1, 'leave password out for a link without one').max(256, 'use at most 256 characters for the password').optional(),
	expiresAt: expiresAtSchema.optional(),
	maxDownloads: z.number('maxDownloads must be a whole number').int('maxDownloads must be a whole number').min(1).max(1_000_000).optional(),
	allowedIps: z
		.array(allowedIpSchema)
		.min(1, 'list at least one address, or leave allowedIps out to allow everyone')
		.max(100, 'list at most 100 addresses or ranges')
		.transform((list) => [...new Set(list.map((text) => formatCidr(parseCidr(text)!)))])
		.optional(),
	watermark: z.boolean().optional()
});

export type ShareRow = typeof shares.$inferSelect;
export type ShareState = 'active' | 'revoked' | 'expired' | 'used_up';

const shareNotFound = () => new ApiError(404, 'share_not_found', 'This share does not exist or you may not see it.');

export function shareState(share: ShareRow, now = Date.now()): ShareState {
	if (share.revokedAt) return 'revoked';
	if (share.expiresAt && share.expiresAt.getTime() <= now) return 'expired';
	if (share.maxDownloads !== null && share.downloadCount >= share.maxDownloads) return 'used_up';
	return 'active';
}

export function parseAllowedIps(share: Pick<ShareRow, 'allowedIpsJson'>): string[] | null {
	return share.allowedIpsJson ? (JSON.parse(share.allowedIpsJson) as string[]) : null;
}

/** Only room members and owners share files: a viewer may look, not hand the file on. */
function requireSharer(db: Db, fileId: string, userId: string) {
	const { file, role } = getFile(db, fileId, userId);
	if (role === 'viewer') throw new ApiError(403, 'forbidden', 'Only a room member or owner may share files; your role is viewer.');
	return file;
}

export async function createShare(db: Db, fileId: string, userId: string, input: z.infer<typeof createShareSchema>) {
	const file = requireSharer(db, fileId, userId);
	const token = randomToken(20);
	const id = newId();
	db.insert(shares)
		.values({
			id,
			fileId: file.id,
			createdByUserId: userId,
			tokenHash: hashToken(token),
			passwordHash: input.password !== undefined ? await hashPassword(input.password) : null,
			expiresAt: input.expiresAt ?? null,
			maxDownloads: input.maxDownloads ?? null,
			allowedIpsJson: input.allowedIps ? JSON.stringify(input.allowedIps) : null,
			watermarkPreviews: input.watermark ?? false
		})
		.run();
	return { id, token, roomId: file.roomId };
}

// Spelled out: drizzle leaves columns unqualified in single-table selects, and an
// unqualified "id" inside the subquery would mean share_access_log.id.
const lastAccessAt = sql<number | null>`(select max(l.created_at) from share_access_log l where l.share_id = "shares"."id")`;

function shareView(share: ShareRow, lastAccess: number | null) {
	return {
		id: share.id,
		fileId: share.fileId,
		createdAt: share.createdAt,
		createdByUserId: share.createdByUserId,
		expiresAt: share.expiresAt,
		maxDownloads: share.maxDownloads,
		downloadCount: share.downloadCount,
		hasPassword: share.passwordHash !== null,
		allowedIps: parseAllowedIps(share),
		watermark: share.watermarkPreviews,
		revokedAt: share.revokedAt,
		lastAccessAt: lastAccess === null ? null : new Date(lastAccess),
		state: shareState(share)
	};
}

export function listFileShares(db: Db, fileId: string, userId: string) {
	const file = requireSharer(db, fileId, userId);
	return db
		.select({ share: shares, lastAccessAt })
		.from(shares)
		.where(eq(shares.fileId, file.id))
		.orderBy(desc(shares.createdAt))
		.all()
		.map((row) => shareView(row.share, row.lastAccessAt));
}

export function listRoomShares(db: Db, roomId: string, userId: string) {
	requireRoomRole(db, roomId, userId, 'member');
	return db
		.select({ share: shares, lastAccessAt })
		.from(shares)
		.innerJoin(files, eq(shares.fileId, files.id))
		.where(and(eq(files.roomId, roomId), eq(files.status, 'available')))
		.orderBy(desc(shares.createdAt))
		.all()
		.map((row) => shareView(row.share, row.lastAccessAt));
}

/**
 * A share its creator or a room owner manages. Outsiders (and anyone once
 * the file is gone) get the same 404 as for an unknown id; other members 403.
 */
function loadManagedShare(db: Db, shareId: string, userId: string) {
	const row = db
		.select({ share: shares, roomId: files.roomId })
		.from(shares)
		.innerJoin(files, eq(shares.fileId, files.id))
		.where(and(eq(shares.id, shareId), eq(files.status, 'available')))
		.get();
	if (!row) throw shareNotFound();
	let role;
	try {
		role = requireRoomRole(db, row.roomId, userId);
	} catch {
		throw shareNotFound();
	}
	if (role !== 'owner' && row.share.createdByUserId !== userId) {
		throw new ApiError(403, 'forbidden', 'Only the person who created this share or a room owner may manage it.');
	}
	return row;
}

/** Takes effect at once: the next request with the link is refused. Revoking twice keeps the first time. */
export function revokeShare(db: Db, shareId: string, userId: string) {
	const { share, roomId } = loadManagedShare(db, shareId, userId);
	if (!share.revokedAt) db.update(shares).set({ revokedAt: new Date() }).where(eq(shares.id, share.id)).run();
	return { id: share.id, fileId: share.fileId, roomId, alreadyRevoked: share.revokedAt !== null };
}

/** The last 500 access attempts, oldest first. */
export function readShareAccessLog(db: Db, shareId: string, userId: string) {
	loadManagedShare(db, shareId, userId);
	return db
		.select({ at: shareAccessLog.at, ip: shareAccessLog.ip, userAgent: shareAccessLog.userAgent, outcome: shareAccessLog.outcome })
		.from(shareAccessLog)
		.where(eq(shareAccessLog.shareId, shareId))
		.orderBy(desc(shareAccessLog.id))
		.limit(ACCESS_LOG_LIMIT)
		.all()
		.reverse();
}
