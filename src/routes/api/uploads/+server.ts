import { json } from '@sveltejs/kit';
import { audit } from '$lib/server/audit';
import { requestMeta, requireUser } from '$lib/server/guards';
import { api, readJson } from '$lib/server/http';
import { getUploadDeps } from '$lib/server/services';
import { createUploadSchema } from '$lib/server/upload-schemas';
import { createUpload } from '$lib/server/uploads';
import type { RequestHandler } from './$types';

export const POST: RequestHandler = api(async (event) => {
	const user = requireUser(event);
	const deps = getUploadDeps();
	const input = await readJson(event.request, createUploadSchema);
	const created = await createUpload(deps, user.id, input);
	audit(deps.db, { action: 'upload_started', actorUserId: user.id, roomId: input.roomId, targetType: 'upload', targetId: created.uploadId, details: { size: input.size, encrypted: !!input.encryption }, ...requestMeta(event) });
	return json(created, { status: 201 });
});
