import { json } from '@sveltejs/kit';
import { getContext } from '$lib/server/context';
import { requireUser } from '$lib/server/guards';
import { api } from '$lib/server/http';
import { listMembers, requireRoomRole } from '$lib/server/rooms';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = api((event) => {
	const user = requireUser(event);
	const { db } = getContext();
	requireRoomRole(db, event.params.roomId, user.id);
	return json({ members: listMembers(db, event.params.roomId) });
});
