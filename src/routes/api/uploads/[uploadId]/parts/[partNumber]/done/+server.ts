import { requireUser } from '$lib/server/guards';
import { api, ApiError, readJson } from '$lib/server/http';
import { getUploadDeps } from '$lib/server/services';
import { partDoneSchema } from '$lib/server/upload-schemas';
import { reportPartDone } from '$lib/server/uploads';
import type { RequestHandler } from './$types';

export const POST: RequestHandler = api(async (event) => {
	const user = requireUser(event);
	const partNumber = Number(event.params.partNumber);
	if (!Number.isInteger(partNumber) || partNumber < 1) {
		throw new ApiError(400, 'invalid_part_number', 'Part numbers are whole numbers from 1.');
	}
	const input = await readJson(event.request, partDoneSchema);
	reportPartDone(getUploadDeps(), user.id, event.params.uploadId, partNumber, input);
	return new Response(null, { status: 204 });
});
