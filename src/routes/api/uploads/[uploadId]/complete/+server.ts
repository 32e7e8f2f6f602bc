import { json } from '@sveltejs/kit';
import { audit } from '$lib/server/audit';
import { requestMeta, requireUser } from '$lib/server/guards';
import { api, readJson } from '$lib/server/http';
import { notifyRoom } from '$lib/server/realtime';
import { getUploadDeps } from '$lib/server/services';
import { completeSchema } from '$lib/server/upload-schemas';
import { completeUpload } from '$lib/server/uploads';
import type { RequestHandler } from './$types';

export const POST: RequestHandler = api(async (event) => {
	const user = requireUser(event);
	const deps = getUploadDeps();
	const input = await readJson(event.request, completeSchema);
	const { file, alreadyCompleted } = await completeUpload(deps, user.id, event.params.uploadId, input);
	if (!alreadyCompleted) {
		audit(deps.db, { action: 'upload_completed', actorUserId: user.id, roomId: file.roomId, targetType: 'file', targetId: file.id, details: { size: file.size }, ...requestMeta(event) });
		const ref = { fileId: file.id, uploadId: event.params.uploadId, fileName: file.name, userId: user.id, userName: user.displayName };
		await notifyRoom(file.roomId, { type: 'file-upload-completed', ...ref });
		await notifyRoom(file.roomId, { type: 'file-added', file: { fileId: file.id, fileName: file.name, size: file.size, contentType: file.contentType } });
	}
	return json({ file });
});
