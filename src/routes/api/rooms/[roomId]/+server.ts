import { json } from '@sveltejs/kit';
import { audit } from '$lib/server/audit';
import { getContext } from '$lib/server/context';
import { requestMeta, requireUser } from '$lib/server/guards';
import { api, readJson } from '$lib/server/http';
import { deleteRoom, getRoom, renameRoom, renameRoomSchema } from '$lib/server/rooms';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = api((event) => {
	const user = requireUser(event);
	return json(getRoom(getContext().db, event.params.roomId, user.id));
});

export const PATCH: RequestHandler = api(async (event) => {
	const user = requireUser(event);
	const { db } = getContext();
	const { name } = await readJson(event.request, renameRoomSchema);
	const room = renameRoom(db, event.params.roomId, user.id, name);
	audit(db, { action: 'room_renamed', actorUserId: user.id, roomId: room.id, details: { name }, ...requestMeta(event) });
	return json(room);
});

export const DELETE: RequestHandler = api((event) => {
	const user = requireUser(event);
	const { db } = getContext();
	deleteRoom(db, event.params.roomId, user.id);
	audit(db, { action: 'room_deleted', actorUserId: user.id, targetType: 'room', targetId: event.params.roomId, ...requestMeta(event) });
	return new Response(null, { status: 204 });
});
