import { error } from '@sveltejs/kit';
import { and, eq } from 'drizzle-orm';
import { getContext } from '$lib/server/context';
import { roomMembers } from '$lib/server/db/schema';
import { ApiError } from '$lib/server/http';
import { previewInvite } from '$lib/server/rooms';
import type { PageServerLoad } from './$types';

/** Signed-out visitors see the invite too, so they know what they are signing up for. */
export const load: PageServerLoad = ({ locals, params }) => {
	const { db } = getContext();
	let invite;
	try {
		invite = previewInvite(db, params.token);
	} catch (cause) {
		if (cause instanceof ApiError) error(cause.status, { message: cause.message, code: cause.code });
		throw cause;
	}
	const user = locals.user;
	const membership = user
		? db
				.select({ role: roomMembers.role })
				.from(roomMembers)
				.where(and(eq(roomMembers.roomId, invite.roomId), eq(roomMembers.userId, user.id)))
				.get()
		: undefined;
	return {
		token: params.token,
		invite: { roomId: invite.roomId, roomName: invite.roomName, role: invite.role, expiresAt: invite.expiresAt, endToEndEncrypted: invite.endToEndEncrypted },
		signedIn: user !== null,
		currentRole: membership?.role ?? null
	};
};
