import type { RequestEvent } from '@sveltejs/kit';
import type { SessionUser } from './auth';
import { ApiError, clientIp } from './http';

export function requireUser(event: RequestEvent): SessionUser {
	if (!event.locals.user) {
		throw new ApiError(401, 'not_signed_in', 'Sign in first (session cookie or Authorization: Bearer <API token>).');
	}
	return event.locals.user;
}

/** Who and where, for the audit log. */
export function requestMeta(event: RequestEvent) {
	return { ip: clientIp(event), userAgent: event.request.headers.get('user-agent') };
}
