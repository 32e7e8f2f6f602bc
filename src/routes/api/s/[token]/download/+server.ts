import { json } from '@sveltejs/kit';
import { audit } from '$lib/server/audit';
import { requestMeta } from '$lib/server/guards';
import { api, readJson } from '$lib/server/http';
import { downloadRequestSchema, requestDownload } from '$lib/server/share-access';
import { getUploadDeps } from '$lib/server/services';
import type { RequestHandler } from './$types';

/** Counts one download and answers with a single-use grant and a presigned GET. */
export const POST: RequestHandler = api(async (event) => {
	const deps = getUploadDeps();
	const meta = requestMeta(event);
	const { password } = await readJson(event.request, downloadRequestSchema);
	const result = await requestDownload(deps, event.params.token, password, meta, event.url.origin);
	audit(deps.db, {
		action: 'share_downloaded',
		roomId: result.roomId,
		targetType: 'share',
		targetId: result.shareId,
		details: { fileId: result.fileId },
		...meta
	});
	return json(
		{
			grant: result.grant,
			url: result.url,
			expiresAt: result.expiresAt,
			grantExpiresAt: result.grantExpiresAt
		},
		{ headers: { 'cache-control': 'no-store' } }
	);
});
