import { json } from '@sveltejs/kit';
import { getContext } from '$lib/server/context';
import { requestMeta } from '$lib/server/guards';
import { api } from '$lib/server/http';
import { shareInfo } from '$lib/server/share-access';
import type { RequestHandler } from './$types';

/** For recipients without an account: what the link offers, before any password. */
export const GET: RequestHandler = api((event) => {
	return json(shareInfo(getContext().db, event.params.token, requestMeta(event)), { headers: { 'cache-control': 'no-store' } });
});
