import { json } from '@sveltejs/kit';
import { audit } from '$lib/server/audit';
import { downloadUrl } from '$lib/server/files';
import { requestMeta, requireUser } from '$lib/server/guards';
import { api } from '$lib/server/http';
import { getUploadDeps } from '$lib/server/services';
import type { RequestHandler } from './$types';

/** A short-lived presigned GET that supports Range, straight from storage. */
export const GET: RequestHandler = api(async (event) => {
	const user = requireUser(event);
	const deps = getUploadDeps();
	const result = await downloadUrl(deps, event.params.fileId, user.id, event.url.origin);
	audit(deps.db, { action: 'file_download_started', actorUserId: user.id, roomId: result.roomId, targetType: 'file', targetId: event.params.fileId, ...requestMeta(event) });
	return json({ url: result.url, expiresAt: result.expiresAt, size: result.size });
});
