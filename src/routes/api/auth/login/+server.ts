import { json } from '@sveltejs/kit';
import { logIn, loginSchema } from '$lib/server/accounts';
import { audit } from '$lib/server/audit';
import { getContext } from '$lib/server/context';
import { requestMeta } from '$lib/server/guards';
import { api, ApiError, readJson } from '$lib/server/http';
import { startSession } from '$lib/server/session-flow';
import type { RequestHandler } from './$types';

export const POST: RequestHandler = api(async (event) => {
	const { db } = getContext();
	const input = await readJson(event.request, loginSchema);
	const meta = requestMeta(event);
	try {
		const user = await logIn(db, input, meta.ip);
		startSession(event, user.id, 'signed_in');
		return json({ user });
	} catch (error) {
		if (error instanceof ApiError) {
			audit(db, { action: 'sign_in_failed', details: { email: input.email.slice(0, 254), reason: error.code }, ...meta });
		}
		throw error;
	}
});
