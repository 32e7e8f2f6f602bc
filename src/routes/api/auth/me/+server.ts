import { json } from '@sveltejs/kit';
import { requireUser } from '$lib/server/guards';
import { api } from '$lib/server/http';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = api((event) => {
	const user = requireUser(event);
	return json({ user: { id: user.id, email: user.email, name: user.displayName } });
});
