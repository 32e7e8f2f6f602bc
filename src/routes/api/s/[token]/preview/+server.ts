import { json } from '@sveltejs/kit';
import { requestMeta } from '$lib/server/guards';
import { api, readJson } from '$lib/server/http';
import { downloadRequestSchema, requestPreview } from '$lib/server/share-access';
import { getUploadDeps } from '$lib/server/services';
import type { RequestHandler } from './$types';

/** A presigned GET for the page's preview; counts no download (links without a limit only). */
export const POST: RequestHandler = api(async (event) => {
	const { password } = await readJson(event.request, downloadRequestSchema);
	const { url, expiresAt } = await requestPreview(
		getUploadDeps(),
		event.params.token,
		password,
		requestMeta(event),
		event.url.origin
	);
	return json({ url, expiresAt }, { headers: { 'cache-control': 'no-store' } });
});
