import { and, eq, gt, isNull, lt, or, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from './db';
import {
	files,
	shareAccessLog,
	shareDownloadGrants,
	shares,
	users,
	type shareAccessOutcomes
} from './db/schema';
import { ApiError } from './http';
import { isAllowed, parseCidr, type IpRange } from './ip-allowlist';
import { verifyPassword } from './password';
import { RateLimiter } from './rate-limit';
import { parseAllowedIps, shareState, type ShareRow } from './shares';
import type { StorageAccess } from './storage-access';
import { hashToken, randomToken } from './tokens';

/**
 * What a recipient without an account may do with a share link: look at what
 * it offers, ask for a download, and report the download finished. Every
 * attempt on a known link lands in its access log.
 */

/** Each presigned GET lives 10 minutes; the page asks for a fresh one with its grant. */
const URL_TTL_SECONDS = 600;
/**
 * A grant dies after an hour without a URL refresh, and each refresh pushes that back (sliding),
 * so a download that keeps going keeps its grant while an abandoned one stops working soon.
 * The hard cap bounds what one counted download can fetch: a week is 50 GB at about 85 KB/s.
 */
export const GRANT_IDLE_SECONDS = 3600;
export const GRANT_MAX_SECONDS = 7 * 24 * 3600;
const WINDOW_MS = 15 * 60 * 1000;

// Wrong passwords: 10 per link (whoever sends them) and 30 per IP in 15 minutes.
// Unknown tokens: 60 per IP in 15 minutes, which is plenty for typos and far
// too few to find a 160-bit token by guessing.
export const shareLimits = {
	passwordPerLink: new RateLimiter(10, WINDOW_MS),
	passwordPerIp: new RateLimiter(30, WINDOW_MS),
	unknownPerIp: new RateLimiter(60, WINDOW_MS)
};

export const downloadRequestSchema = z.object({
	password: z.string().max(256, 'passwords are at most 256 characters').optional()
});

export type AccessOutcome = (typeof shareAccessOutcomes)[number];
export interface AccessMeta {
	ip: string | null;
	userAgent: string | null;
}

type Refusal = Exclude<AccessOutcome, 'ok' | 'wrong_password' | 'rate_limited'>;
const refusals: Record<Refusal | 'not_found', [number, string]> = {
	not_found: [404, 'This share link is not valid; check that you copied all of it.'],
	revoked: [410, 'The person who shared this file has turned the link off.'],
	expired: [410, 'This share link has expired; ask for a new one.'],
	limit_reached: [
		410,
		'This share link has been used as many times as allowed; ask for a new one.'
	],
	ip_refused: [403, 'This share link may not be used from your network.']
};

const refuse = (code: Refusal | 'not_found') =>
	new ApiError(refusals[code][0], code, refusals[code][1]);

function rateLimited(seconds: number, what: string): ApiError {
	return new ApiError(429, 'rate_limited', `Too many ${what}; try again in ${seconds} s.`, {
		'Retry-After': String(seconds)
	});
}

function logAccess(db: Db, shareId: string, meta: AccessMeta, outcome: AccessOutcome): void {
	db.insert(shareAccessLog)
		.values({ shareId, ip: meta.ip, userAgent: meta.userAgent?.slice(0, 400) ?? null, outcome })
		.run();
}

function findShare(db: Db, token: string) {
	return db
		.select({ share: shares, file: files, sharedBy: users.displayName })
		.from(shares)
		.innerJoin(files, eq(shares.fileId, files.id))
		.leftJoin(users, eq(shares.createdByUserId, users.id))
		.where(and(eq(shares.tokenHash, hashToken(token)), eq(files.status, 'available')))
		.get();
}

type Found = NonNullable<ReturnType<typeof findShare>>;

/**
 * The share behind a token, or a refusal. An IP that sent too many unknown
 * tokens is refused for every token, known or not, so the answer cannot tell
 * a guesser that a guess was right.
 */
function lookUp(db: Db, token: string, meta: AccessMeta): Found {
	const ipKey = `ip:${meta.ip ?? 'unknown'}`;
	const blocked = shareLimits.unknownPerIp.retryAfterSeconds(ipKey);
	const found = findShare(db, token);
	if (blocked > 0) {
		if (found) logAccess(db, found.share.id, meta, 'rate_limited');
		throw rateLimited(blocked, 'unknown share links from your address');
	}
	if (!found) {
		const over = shareLimits.unknownPerIp.hit(ipKey);
		if (over > 0) throw rateLimited(over, 'unknown share links from your address');
		throw refuse('not_found');
	}
	return found;
}

function refusalFor(share: ShareRow, meta: AccessMeta): Refusal | null {
	const state = shareState(share);
	if (state === 'revoked' || state === 'expired') return state;
	const allowed = parseAllowedIps(share);
	if (allowed) {
		const ranges = allowed.map((text) => parseCidr(text)).filter((r): r is IpRange => r !== null);
		if (!isAllowed(ranges, meta.ip)) return 'ip_refused';
	}
	if (state === 'used_up') return 'limit_reached';
	return null;
}

/** Looks up the link and applies, in order: revoked, expired, IP allowlist, download limit. */
function admit(db: Db, token: string, meta: AccessMeta): Found {
	const found = lookUp(db, token, meta);
	const refusal = refusalFor(found.share, meta);
	if (refusal) {
		logAccess(db, found.share.id, meta, refusal);
		throw refuse(refusal);
	}
	return found;
}

function encryptionOf(file: Found['file']) {
	if (!file.encryptionJson) return null;
	const parsed = JSON.parse(file.encryptionJson) as { header: unknown; encryptedMetadata?: string };
	return { header: parsed.header, encryptedMetadata: parsed.encryptedMetadata ?? null };
}

/** What the recipient page may show before a password: never the key, nor an encrypted file's name. */
export function shareInfo(db: Db, token: string, meta: AccessMeta) {
	const { share, file, sharedBy } = admit(db, token, meta);
	logAccess(db, share.id, meta, 'ok');
	const encryption = encryptionOf(file);
	return {
		fileName: encryption ? null : file.name,
		encryptedMetadata: encryption?.encryptedMetadata ?? null,
		size: file.sizeBytes,
		contentType: file.contentType,
		sharedBy,
		expiresAt: share.expiresAt,
		requiresPassword: share.passwordHash !== null,
		downloadsLeft:
			share.maxDownloads === null ? null : Math.max(0, share.maxDownloads - share.downloadCount),
		encrypted: encryption !== null,
		encryption: encryption ? { header: encryption.header } : null,
		// "Watermark previews": the page draws this into image previews and over PDFs. Only the
		// server knows the address the recipient comes from.
		watermark: share.watermarkPreviews ? watermarkText(meta.ip, new Date()) : null
	};
}

/** `203.0.113.7 · 2026-11-28 10:41 UTC`: who looked, and when, in the picture itself. */
export function watermarkText(ip: string | null, at: Date): string {
	return `${ip ?? 'unknown address'} · ${at.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

async function checkPassword(
	db: Db,
	share: ShareRow,
	password: string | undefined,
	meta: AccessMeta
): Promise<void> {
	if (share.passwordHash === null) return;
	const linkKey = `share:${share.id}`;
	const ipKey = `ip:${meta.ip ?? 'unknown'}`;
	const blocked = Math.max(
		shareLimits.passwordPerLink.retryAfterSeconds(linkKey),
		shareLimits.passwordPerIp.retryAfterSeconds(ipKey)
	);
	if (blocked > 0) {
		logAccess(db, share.id, meta, 'rate_limited');
		throw rateLimited(blocked, 'wrong passwords');
	}
	if (password === undefined) {
		// The page knows from the link info that a password is needed; not a guess, so not counted.
		logAccess(db, share.id, meta, 'wrong_password');
		throw new ApiError(
			401,
			'wrong_password',
			'This link is protected by a password; enter it to download.'
		);
	}
	if (await verifyPassword(share.passwordHash, password)) return;
	const over = Math.max(
		shareLimits.passwordPerLink.hit(linkKey),
		shareLimits.passwordPerIp.hit(ipKey)
	);
	if (over > 0) {
		logAccess(db, share.id, meta, 'rate_limited');
		throw rateLimited(over, 'wrong passwords');
	}
	logAccess(db, share.id, meta, 'wrong_password');
	throw new ApiError(401, 'wrong_password', 'The password is wrong.');
}

/**
 * Takes one download from the link's allowance and records the grant, in one
 * transaction. The UPDATE only matches while the link is still usable, so of
 * two requests racing for the last download exactly one changes a row; the
 * other is refused. Nothing is awaited between this and the answer.
 */
function reserveDownload(
	db: Db,
	shareId: string,
	grantHash: string,
	expiresAt: Date
): Refusal | null {
	return db.transaction((tx) => {
		const now = new Date();
		const reserved = tx
			.update(shares)
			.set({ downloadCount: sql`${shares.downloadCount} + 1` })
			.where(
				and(
					eq(shares.id, shareId),
					isNull(shares.revokedAt),
					or(isNull(shares.expiresAt), gt(shares.expiresAt, now)),
					or(isNull(shares.maxDownloads), lt(shares.downloadCount, shares.maxDownloads))
				)
			)
			.run();
		if (reserved.changes === 0) {
			// Something changed while the password was checked: say what.
			const current = tx.select().from(shares).where(eq(shares.id, shareId)).get();
			const state = current ? shareState(current, now.getTime()) : 'revoked';
			return state === 'used_up' || state === 'active' ? 'limit_reached' : state;
		}
		tx.insert(shareDownloadGrants).values({ id: grantHash, shareId, expiresAt }).run();
		return null;
	});
}

/**
 * Checks the link (exists, revoked, expired, IP, limit, password), then
 * counts the download and hands out a single-use grant with a presigned GET
 * (Range works on it) that lives as long as the grant.
 */
export async function requestDownload(
	deps: { db: Db; storage: StorageAccess },
	token: string,
	password: string | undefined,
	meta: AccessMeta,
	origin: string
) {
	const { db, storage } = deps;
	const { share, file } = admit(db, token, meta);
	await checkPassword(db, share, password, meta);
	// Sign before reserving: if storage is down, no download is used up.
	const { url, expiresAt } = await signFileUrl(storage, file, origin);
	const grant = randomToken(20);
	const grantExpiresAt = new Date(Date.now() + GRANT_IDLE_SECONDS * 1000);
	const refusal = reserveDownload(db, share.id, hashToken(grant), grantExpiresAt);
	if (refusal) {
		logAccess(db, share.id, meta, refusal);
		throw refuse(refusal);
	}
	logAccess(db, share.id, meta, 'ok');
	return {
		grant,
		url,
		expiresAt,
		grantExpiresAt,
		shareId: share.id,
		fileId: file.id,
		roomId: file.roomId
	};
}

async function signFileUrl(storage: StorageAccess, file: Found['file'], origin: string) {
	const provider = storage.get(file.storageProviderId);
	const url = await storage.call(file.storageProviderId, () =>
		provider.signGetUrl({
			key: file.storageKey,
			expiresInSeconds: URL_TTL_SECONDS,
			fileName: file.encryptionJson ? `${file.id}.ferry` : file.name,
			contentType: file.contentType,
			origin
		})
	);
	return { url, expiresAt: new Date(Date.now() + URL_TTL_SECONDS * 1000) };
}

/**
 * A fresh presigned GET for a grant already issued (and counted): a long download outlives its
 * 10-minute URLs without being counted again. Refused at once when the link is revoked or the
 * client's IP is no longer allowed; an expired link or a used-up allowance does not stop a
 * download that was counted before. Each refresh slides the grant's life (see GRANT_IDLE_SECONDS).
 */
export async function refreshGrantUrl(
	deps: { db: Db; storage: StorageAccess },
	token: string,
	grant: string,
	meta: AccessMeta,
	origin: string
) {
	const { db, storage } = deps;
	const { share, file } = lookUp(db, token, meta);
	const row = db
		.select()
		.from(shareDownloadGrants)
		.where(
			and(eq(shareDownloadGrants.id, hashToken(grant)), eq(shareDownloadGrants.shareId, share.id))
		)
		.get();
	if (!row)
		throw new ApiError(
			404,
			'grant_not_found',
			'This download grant does not belong to this link; start the download again.'
		);
	const refusal = refusalFor(share, meta);
	if (refusal === 'revoked' || refusal === 'ip_refused') {
		logAccess(db, share.id, meta, refusal);
		throw refuse(refusal);
	}
	if (row.usedAt)
		throw new ApiError(
			409,
			'grant_used',
			'This download already finished; start a new one to download again.'
		);
	const now = Date.now();
	if (row.expiresAt.getTime() <= now) {
		throw new ApiError(
			410,
			'grant_expired',
			'This download was idle for too long; start it again (this counts as a new download).'
		);
	}
	const signed = await signFileUrl(storage, file, origin);
	const cap = row.createdAt.getTime() + GRANT_MAX_SECONDS * 1000;
	const grantExpiresAt = new Date(Math.min(cap, now + GRANT_IDLE_SECONDS * 1000));
	// Only while still unused: a grant completed meanwhile keeps its usedAt and is not extended.
	db.update(shareDownloadGrants)
		.set({ expiresAt: grantExpiresAt })
		.where(and(eq(shareDownloadGrants.id, row.id), isNull(shareDownloadGrants.usedAt)))
		.run();
	return { ...signed, grantExpiresAt };
}

/**
 * A presigned GET for previewing without counting a download. Only for links without a
 * download limit: a presigned URL reaches the whole object, so on a limited link a preview
 * URL would be an uncounted download. There the page previews with its download grant.
 */
export async function requestPreview(
	deps: { db: Db; storage: StorageAccess },
	token: string,
	password: string | undefined,
	meta: AccessMeta,
	origin: string
) {
	const { db, storage } = deps;
	const { share, file } = admit(db, token, meta);
	if (share.maxDownloads !== null) {
		throw new ApiError(
			409,
			'preview_needs_download',
			'This link allows a limited number of downloads; start the download to preview the file.'
		);
	}
	await checkPassword(db, share, password, meta);
	const signed = await signFileUrl(storage, file, origin);
	logAccess(db, share.id, meta, 'ok');
	return signed;
}

/**
 * The recipient's page reports a finished download. The download was already
 * counted when the grant was issued; this closes the grant so it cannot be
 * reported twice. Late reports are accepted: one GET started before the URL
 * expired may run on for longer.
 */
export function completeGrant(db: Db, token: string, grant: string, meta: AccessMeta): void {
	const { share } = lookUp(db, token, meta);
	const row = db
		.select()
		.from(shareDownloadGrants)
		.where(
			and(eq(shareDownloadGrants.id, hashToken(grant)), eq(shareDownloadGrants.shareId, share.id))
		)
		.get();
	if (!row)
		throw new ApiError(404, 'grant_not_found', 'This download grant does not belong to this link.');
	const closed = db
		.update(shareDownloadGrants)
		.set({ usedAt: new Date() })
		.where(and(eq(shareDownloadGrants.id, row.id), isNull(shareDownloadGrants.usedAt)))
		.run();
	if (closed.changes === 0)
		throw new ApiError(409, 'grant_used', 'This download was already reported as finished.');
}
