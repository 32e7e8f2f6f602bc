import { api } from '$lib/server/http';
import { endSession } from '$lib/server/session-flow';
import type { RequestHandler } from './$types';

export const POST: RequestHandler = api((event) => {
	endSession(event);
	return new Response(null, { status: 204 });
});
