import { json } from '@sveltejs/kit';
import { signUp, signupSchema } from '$lib/server/accounts';
import { getContext } from '$lib/server/context';
import { api, ApiError, readJson } from '$lib/server/http';
import { startSession } from '$lib/server/session-flow';
import type { RequestHandler } from './$types';

export const POST: RequestHandler = api(async (event) => {
	const { db, config } = getContext();
	if (!config.signupOpen) throw new ApiError(403, 'signup_closed', 'Sign-up is closed on this Ferry; ask an admin for an account.');
	const input = await readJson(event.request, signupSchema);
	const user = await signUp(db, input);
	startSession(event, user.id, 'signed_up');
	return json({ user }, { status: 201 });
});
