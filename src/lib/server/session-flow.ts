import type { RequestEvent } from '@sveltejs/kit';
import {
	cookieShouldBeSecure,
	createSession,
	deleteSessionCookie,
	generateSessionToken,
	invalidateSession,
	setSessionCookie
} from './auth';
import { audit } from './audit';
import { getContext } from './context';
import { requestMeta } from './guards';

/** Signs the user in on this browser: new session row, cookie, audit entry. */
export function startSession(event: RequestEvent, userId: string, action: 'signed_up' | 'signed_in'): void {
	const { db, config } = getContext();
	const token = generateSessionToken();
	const meta = requestMeta(event);
	const session = createSession(db, token, userId, config.sessionDays, meta);
	setSessionCookie(event.cookies, token, session.expiresAt, cookieShouldBeSecure(event.url));
	audit(db, { action, actorUserId: userId, ...meta });
}

export function endSession(event: RequestEvent): void {
	const { db } = getContext();
	if (event.locals.sessionId) invalidateSession(db, event.locals.sessionId);
	deleteSessionCookie(event.cookies, cookieShouldBeSecure(event.url));
	if (event.locals.user) audit(db, { action: 'signed_out', actorUserId: event.locals.user.id, ...requestMeta(event) });
}
