import { json } from '@sveltejs/kit';
import { requireUser } from '$lib/server/guards';
import { api } from '$lib/server/http';
import { listRoomFiles } from '$lib/server/files';
import { getUploadDeps } from '$lib/server/services';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = api((event) => {
	const user = requireUser(event);
	return json({ files: listRoomFiles(getUploadDeps().db, event.params.roomId, user.id) });
});
