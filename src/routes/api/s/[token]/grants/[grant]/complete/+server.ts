import { getContext } from '$lib/server/context';
import { requestMeta } from '$lib/server/guards';
import { api } from '$lib/server/http';
import { completeGrant } from '$lib/server/share-access';
import type { RequestHandler } from './$types';

/** The recipient's page reports the download finished; the grant cannot be used again. */
export const POST: RequestHandler = api((event) => {
	completeGrant(getContext().db, event.params.token, event.params.grant, requestMeta(event));
	return new Response(null, { status: 204 });
});
