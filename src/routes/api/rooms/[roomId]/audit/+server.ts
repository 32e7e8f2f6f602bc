import { json } from '@sveltejs/kit';
import { getContext } from '$lib/server/context';
import { requireUser } from '$lib/server/guards';
import { api } from '$lib/server/http';
import { readAuditLog } from '$lib/server/rooms';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = api((event) => {
	const user = requireUser(event);
	return json({ entries: readAuditLog(getContext().db, event.params.roomId, user.id) });
});
