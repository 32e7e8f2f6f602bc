import type { Cookies } from '@sveltejs/kit';
import { and, eq, gt, isNull } from 'drizzle-orm';
import type { Db } from './db';
import { apiTokens, sessions, users } from './db/schema';
import { hashToken, randomToken } from './tokens';

export const SESSION_COOKIE = 'ferry_session';
const DAY = 24 * 60 * 60 * 1000;

export interface SessionUser {
	id: string;
	email: string;
	displayName: string;
}

export type SessionValidation =
	| { session: { id: string; expiresAt: Date }; user: SessionUser }
	| { session: null; user: null };

/** 160 random bits, base32: the only copy lives in the user's cookie. */
export function generateSessionToken(): string {
	return randomToken(20);
}

export function createSession(
	db: Db,
	token: string,
	userId: string,
	lifetimeDays: number,
	meta: { ip?: string | null; userAgent?: string | null } = {}
) {
	const session = {
		id: hashToken(token),
		userId,
		expiresAt: new Date(Date.now() + lifetimeDays * DAY),
		createdFromIp: meta.ip ?? null,
		userAgent: meta.userAgent?.slice(0, 400) ?? null
	};
	db.insert(sessions).values(session).run();
	return session;
}

/**
 * Looks the session up by the token's hash. Sliding expiry: once less than
 * half the lifetime is left, the session is extended to a full lifetime.
 */
export function validateSessionToken(db: Db, token: string, lifetimeDays: number): SessionValidation {
	const id = hashToken(token);
	const row = db
		.select({
			session: { id: sessions.id, expiresAt: sessions.expiresAt },
			user: { id: users.id, email: users.email, displayName: users.displayName }
		})
		.from(sessions)
		.innerJoin(users, eq(sessions.userId, users.id))
		.where(eq(sessions.id, id))
		.get();
	if (!row) return { session: null, user: null };
	const now = Date.now();
	if (row.session.expiresAt.getTime() <= now) {
		db.delete(sessions).where(eq(sessions.id, id)).run();
		return { session: null, user: null };
	}
	const lifetime = lifetimeDays * DAY;
	if (row.session.expiresAt.getTime() - now < lifetime / 2) {
		row.session.expiresAt = new Date(now + lifetime);
		db.update(sessions).set({ expiresAt: row.session.expiresAt }).where(eq(sessions.id, id)).run();
	}
	return row;
}

export function invalidateSession(db: Db, sessionId: string): void {
	db.delete(sessions).where(eq(sessions.id, sessionId)).run();
}

export function invalidateAllSessions(db: Db, userId: string): void {
	db.delete(sessions).where(eq(sessions.userId, userId)).run();
}

export function listSessions(db: Db, userId: string) {
	return db
		.select({
			id: sessions.id,
			createdAt: sessions.createdAt,
			expiresAt: sessions.expiresAt,
			createdFromIp: sessions.createdFromIp,
			userAgent: sessions.userAgent
		})
		.from(sessions)
		.where(and(eq(sessions.userId, userId), gt(sessions.expiresAt, new Date())))
		.all();
}

export function setSessionCookie(cookies: Cookies, token: string, expiresAt: Date, secure: boolean): void {
	cookies.set(SESSION_COOKIE, token, {
		httpOnly: true,
		sameSite: 'lax',
		secure,
		expires: expiresAt,
		path: '/'
	});
}

export function deleteSessionCookie(cookies: Cookies, secure: boolean): void {
	cookies.delete(SESSION_COOKIE, { httpOnly: true, sameSite: 'lax', secure, path: '/' });
}

/** Plain http is allowed for localhost only; anywhere else the cookie is Secure. */
export function cookieShouldBeSecure(url: URL): boolean {
	if (url.protocol === 'https:') return true;
	return !['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
}

/** Resolves `Authorization: Bearer <token>` to its user, refusing revoked tokens. */
export function validateApiToken(db: Db, token: string): SessionUser | null {
	const row = db
		.select({ tokenId: apiTokens.id, id: users.id, email: users.email, displayName: users.displayName })
		.from(apiTokens)
		.innerJoin(users, eq(apiTokens.userId, users.id))
		.where(and(eq(apiTokens.tokenHash, hashToken(token)), isNull(apiTokens.revokedAt)))
		.get();
	if (!row) return null;
	db.update(apiTokens).set({ lastUsedAt: new Date() }).where(eq(apiTokens.id, row.tokenId)).run();
	return { id: row.id, email: row.email, displayName: row.displayName };
}
