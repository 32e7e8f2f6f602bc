import { json } from '@sveltejs/kit';
import { signRoomToken, DEFAULT_ROOM_TOKEN_TTL_SECONDS } from '../../../../../../party/room-token';
import { getContext } from '$lib/server/context';
import { requireUser } from '$lib/server/guards';
import { api } from '$lib/server/http';
import { ROOM_PARTY } from '$lib/server/realtime';
import { requireRoomRole } from '$lib/server/rooms';
import type { RequestHandler } from './$types';

/** A short-lived signed token that opens this room's live connection, and where to connect. */
export const POST: RequestHandler = api(async (event) => {
	const user = requireUser(event);
	const { db, config, secrets } = getContext();
	const roomId = event.params.roomId;
	const role = requireRoomRole(db, roomId, user.id);
	const token = await signRoomToken(secrets.roomSecret, { sub: user.id, name: user.displayName, room: roomId, role });
	return json({
		token,
		host: config.partykitPublicHost,
		party: ROOM_PARTY,
		room: roomId,
		expiresAt: new Date(Date.now() + DEFAULT_ROOM_TOKEN_TTL_SECONDS * 1000)
	});
});
