import { error, redirect } from '@sveltejs/kit';
import { getContext } from '$lib/server/context';
import { ApiError } from '$lib/server/http';
import { activeInvites, getRoom } from '$lib/server/rooms';
import { loginUrl } from '$lib/utils/next';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = ({ locals, params, url }) => {
	if (!locals.user) redirect(303, loginUrl(url));
	const { db } = getContext();
	try {
		const room = getRoom(db, params.roomId, locals.user.id);
		return {
			me: locals.user.id,
			room,
			invites: room.role === 'owner' ? activeInvites(db, room.id) : []
		};
	} catch (cause) {
		if (cause instanceof ApiError) error(cause.status, { message: cause.message, code: cause.code });
		throw cause;
	}
};
