import { json } from '@sveltejs/kit';
import { audit } from '$lib/server/audit';
import { deleteFile, getFile } from '$lib/server/files';
import { requestMeta, requireUser } from '$lib/server/guards';
import { api } from '$lib/server/http';
import { notifyRoom } from '$lib/server/realtime';
import { getUploadDeps } from '$lib/server/services';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = api((event) => {
	const user = requireUser(event);
	return json(getFile(getUploadDeps().db, event.params.fileId, user.id).view);
});

export const DELETE: RequestHandler = api(async (event) => {
	const user = requireUser(event);
	const deps = getUploadDeps();
	const file = await deleteFile(deps, event.params.fileId, user.id);
	audit(deps.db, { action: 'file_deleted', actorUserId: user.id, roomId: file.roomId, targetType: 'file', targetId: file.id, ...requestMeta(event) });
	await notifyRoom(file.roomId, { type: 'file-removed', fileId: file.id });
	return new Response(null, { status: 204 });
});
