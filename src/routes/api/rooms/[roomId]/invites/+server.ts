import { json } from '@sveltejs/kit';
import { audit } from '$lib/server/audit';
import { getContext } from '$lib/server/context';
import { requestMeta, requireUser } from '$lib/server/guards';
import { api, readJson } from '$lib/server/http';
import { activeInvites, createInvite, inviteSchema, requireRoomRole } from '$lib/server/rooms';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = api((event) => {
	const user = requireUser(event);
	const { db } = getContext();
	requireRoomRole(db, event.params.roomId, user.id, 'owner');
	return json({ invites: activeInvites(db, event.params.roomId) });
});

export const POST: RequestHandler = api(async (event) => {
	const user = requireUser(event);
	const { db } = getContext();
	const input = await readJson(event.request, inviteSchema);
	const invite = createInvite(db, event.params.roomId, user.id, input);
	audit(db, { action: 'invite_created', actorUserId: user.id, roomId: event.params.roomId, details: { role: invite.role }, ...requestMeta(event) });
	const url = `${event.url.origin}/invite/${invite.token}`;
	return json({ token: invite.token, url, role: invite.role, expiresAt: invite.expiresAt }, { status: 201 });
});
