import { json } from '@sveltejs/kit';
import { getContext } from '$lib/server/context';
import { requireUser } from '$lib/server/guards';
import { api } from '$lib/server/http';
import { readShareAccessLog } from '$lib/server/shares';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = api((event) => {
	const user = requireUser(event);
	return json({ entries: readShareAccessLog(getContext().db, event.params.shareId, user.id) });
});
