import { json } from '@sveltejs/kit';
import { audit } from '$lib/server/audit';
import { getContext } from '$lib/server/context';
import { requestMeta, requireUser } from '$lib/server/guards';
import { api } from '$lib/server/http';
import { acceptInvite } from '$lib/server/rooms';
import type { RequestHandler } from './$types';

export const POST: RequestHandler = api((event) => {
	const user = requireUser(event);
	const { db } = getContext();
	const result = acceptInvite(db, event.params.token, user.id);
	if (result.joined) {
		audit(db, { action: 'room_joined', actorUserId: user.id, roomId: result.roomId, details: { role: result.role }, ...requestMeta(event) });
	}
	return json(result);
});
