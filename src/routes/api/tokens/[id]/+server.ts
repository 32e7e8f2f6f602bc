import { revokeApiToken } from '$lib/server/accounts';
import { audit } from '$lib/server/audit';
import { getContext } from '$lib/server/context';
import { requestMeta, requireUser } from '$lib/server/guards';
import { api, ApiError } from '$lib/server/http';
import type { RequestHandler } from './$types';

export const DELETE: RequestHandler = api((event) => {
	const user = requireUser(event);
	const { db } = getContext();
	if (!revokeApiToken(db, user.id, event.params.id)) {
		throw new ApiError(404, 'token_not_found', 'No active API token with this id belongs to you.');
	}
	audit(db, { action: 'api_token_revoked', actorUserId: user.id, targetType: 'api_token', targetId: event.params.id, ...requestMeta(event) });
	return new Response(null, { status: 204 });
});
