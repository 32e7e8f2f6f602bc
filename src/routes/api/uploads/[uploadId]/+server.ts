import { json } from '@sveltejs/kit';
import { audit } from '$lib/server/audit';
import { requestMeta, requireUser } from '$lib/server/guards';
import { api } from '$lib/server/http';
import { notifyRoom } from '$lib/server/realtime';
import { getUploadDeps } from '$lib/server/services';
import { abortUpload, getUploadStatus } from '$lib/server/uploads';
import type { RequestHandler } from './$types';

/** What resume trusts: the storage's own part list merged with ours. */
export const GET: RequestHandler = api(async (event) => {
	const user = requireUser(event);
	return json(await getUploadStatus(getUploadDeps(), user.id, event.params.uploadId));
});

export const DELETE: RequestHandler = api(async (event) => {
	const user = requireUser(event);
	const deps = getUploadDeps();
	const session = await abortUpload(deps, user.id, event.params.uploadId);
	audit(deps.db, { action: 'upload_cancelled', actorUserId: user.id, roomId: session.roomId, targetType: 'upload', targetId: session.id, ...requestMeta(event) });
	await notifyRoom(session.roomId, { type: 'file-upload-cancelled', uploadId: session.id, fileId: session.fileId, fileName: session.fileName, userId: user.id, userName: user.displayName });
	return new Response(null, { status: 204 });
});
