import { json } from '@sveltejs/kit';
import { z } from 'zod';
import { audit } from '$lib/server/audit';
import { getContext } from '$lib/server/context';
import { requestMeta, requireUser } from '$lib/server/guards';
import { api, readJson } from '$lib/server/http';
import { notifyRoom } from '$lib/server/realtime';
import { changeRole, removeMember, roleSchema } from '$lib/server/rooms';
import type { RequestHandler } from './$types';

export const PATCH: RequestHandler = api(async (event) => {
	const user = requireUser(event);
	const { db } = getContext();
	const { role } = await readJson(event.request, z.object({ role: roleSchema }));
	const { roomId, userId } = event.params;
	const result = changeRole(db, roomId, user.id, userId, role);
	audit(db, { action: 'member_role_changed', actorUserId: user.id, roomId, targetType: 'user', targetId: userId, details: { role }, ...requestMeta(event) });
	return json(result);
});

/** Removing yourself is leaving the room. */
export const DELETE: RequestHandler = api(async (event) => {
	const user = requireUser(event);
	const { db } = getContext();
	const { roomId, userId } = event.params;
	removeMember(db, roomId, user.id, userId);
	audit(db, { action: userId === user.id ? 'room_left' : 'member_removed', actorUserId: user.id, roomId, targetType: 'user', targetId: userId, ...requestMeta(event) });
	await notifyRoom(roomId, { type: 'member-removed', userId });
	return new Response(null, { status: 204 });
});
