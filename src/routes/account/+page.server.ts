import { redirect } from '@sveltejs/kit';
import { listApiTokens } from '$lib/server/accounts';
import { listSessions } from '$lib/server/auth';
import { getContext } from '$lib/server/context';
import { loginUrl } from '$lib/utils/next';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = ({ locals, url }) => {
	if (!locals.user) redirect(303, loginUrl(url));
	const { db } = getContext();
	// A session's id is its token's hash: keep it on the server, send what a person recognises.
	const sessions = listSessions(db, locals.user.id)
		.map((session) => ({
			createdAt: session.createdAt,
			expiresAt: session.expiresAt,
			ip: session.createdFromIp,
			userAgent: session.userAgent,
			current: session.id === locals.sessionId
		}))
		.sort((a, b) => Number(b.current) - Number(a.current) || b.createdAt.getTime() - a.createdAt.getTime());
	return {
		profile: { id: locals.user.id, name: locals.user.displayName, email: locals.user.email },
		sessions,
		tokens: listApiTokens(db, locals.user.id)
	};
};
