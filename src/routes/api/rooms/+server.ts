import { json } from '@sveltejs/kit';
import { audit } from '$lib/server/audit';
import { getContext } from '$lib/server/context';
import { requestMeta, requireUser } from '$lib/server/guards';
import { api, readJson } from '$lib/server/http';
import { createRoom, createRoomSchema, listRooms } from '$lib/server/rooms';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = api((event) => {
	const user = requireUser(event);
	return json({ rooms: listRooms(getContext().db, user.id) });
});

export const POST: RequestHandler = api(async (event) => {
	const user = requireUser(event);
	const { db } = getContext();
	const { name, endToEndEncrypted } = await readJson(event.request, createRoomSchema);
	const room = createRoom(db, user.id, name, endToEndEncrypted);
	audit(db, { action: 'room_created', actorUserId: user.id, roomId: room.id, targetType: 'room', targetId: room.id, details: { endToEndEncrypted }, ...requestMeta(event) });
	return json(room, { status: 201 });
});
