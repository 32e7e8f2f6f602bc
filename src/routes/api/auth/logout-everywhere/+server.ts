import { audit } from '$lib/server/audit';
import { invalidateAllSessions } from '$lib/server/auth';
import { getContext } from '$lib/server/context';
import { requestMeta, requireUser } from '$lib/server/guards';
import { api } from '$lib/server/http';
import { endSession } from '$lib/server/session-flow';
import type { RequestHandler } from './$types';

export const POST: RequestHandler = api((event) => {
	const user = requireUser(event);
	const { db } = getContext();
	endSession(event);
	invalidateAllSessions(db, user.id);
	audit(db, { action: 'signed_out_everywhere', actorUserId: user.id, ...requestMeta(event) });
	return new Response(null, { status: 204 });
});
