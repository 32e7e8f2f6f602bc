import { redirect } from '@sveltejs/kit';
import { getContext } from '$lib/server/context';
import { listRooms } from '$lib/server/rooms';
import { loginUrl } from '$lib/utils/next';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = ({ locals, url }) => {
	if (!locals.user) redirect(303, loginUrl(url));
	return { rooms: listRooms(getContext().db, locals.user.id) };
};
