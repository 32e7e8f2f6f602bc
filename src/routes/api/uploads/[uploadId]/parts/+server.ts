import { json } from '@sveltejs/kit';
import { requireUser } from '$lib/server/guards';
import { api, ApiError, readJson } from '$lib/server/http';
import { RateLimiter } from '$lib/server/rate-limit';
import { getUploadDeps } from '$lib/server/services';
import { signPartsSchema } from '$lib/server/upload-schemas';
import { signParts } from '$lib/server/uploads';
import type { RequestHandler } from './$types';

// 600 signing requests a minute per user is 60,000 part URLs: far above any real upload.
const signingLimit = new RateLimiter(600, 60_000);

export const POST: RequestHandler = api(async (event) => {
	const user = requireUser(event);
	const wait = signingLimit.hit(user.id);
	if (wait > 0) throw new ApiError(429, 'rate_limited', `Too many signing requests; try again in ${wait} s.`, { 'Retry-After': String(wait) });
	const input = await readJson(event.request, signPartsSchema);
	return json(await signParts(getUploadDeps(), user.id, event.params.uploadId, input, event.url.origin));
});
