import { json } from '@sveltejs/kit';
import { createApiToken, listApiTokens, tokenNameSchema } from '$lib/server/accounts';
import { audit } from '$lib/server/audit';
import { getContext } from '$lib/server/context';
import { requestMeta, requireUser } from '$lib/server/guards';
import { api, readJson } from '$lib/server/http';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = api((event) => {
	const user = requireUser(event);
	return json({ tokens: listApiTokens(getContext().db, user.id) });
});

export const POST: RequestHandler = api(async (event) => {
	const user = requireUser(event);
	const { db } = getContext();
	const { name } = await readJson(event.request, tokenNameSchema);
	const created = createApiToken(db, user.id, name);
	audit(db, { action: 'api_token_created', actorUserId: user.id, targetType: 'api_token', targetId: created.id, ...requestMeta(event) });
	return json(created, { status: 201 });
});
