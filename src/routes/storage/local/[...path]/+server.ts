import { error } from '@sveltejs/kit';
import { getAppStorage } from '$lib/server/services';
import { handleLocalStorageRequest } from '$lib/server/storage';
import type { RequestHandler } from './$types';

/** Part uploads and downloads of the local-disk provider; the signed URL is the only credential. */
const handle: RequestHandler = ({ request, params }) => {
	const provider = getAppStorage().getLocalProvider(params.path.split('/')[0] ?? '');
	if (!provider) error(404, 'No such local storage provider');
	return handleLocalStorageRequest(provider, request);
};

export const PUT = handle;
export const GET = handle;
export const HEAD = handle;
export const OPTIONS = handle;
