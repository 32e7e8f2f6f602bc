import { json } from '@sveltejs/kit';
import { requestMeta } from '$lib/server/guards';
import { api } from '$lib/server/http';
import { refreshGrantUrl } from '$lib/server/share-access';
import { getUploadDeps } from '$lib/server/services';
import type { RequestHandler } from './$types';

/** A fresh presigned GET for a download already counted; the grant's life slides forward. */
export const POST: RequestHandler = api(async (event) => {
	const { url, expiresAt, grantExpiresAt } = await refreshGrantUrl(
		getUploadDeps(),
		event.params.token,
		event.params.grant,
		requestMeta(event),
		event.url.origin
	);
	return json({ url, expiresAt, grantExpiresAt }, { headers: { 'cache-control': 'no-store' } });
});
