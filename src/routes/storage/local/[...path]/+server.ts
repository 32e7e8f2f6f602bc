import { error } from '@sveltejs/kit';
import { getContext } from '$lib/server/context';
import { getStorage, handleLocalStorageRequest } from '$lib/server/storage';
import type { RequestHandler } from './$types';

/** Part uploads and downloads of the local-disk provider; the signed URL is the only credential. */
const handle: RequestHandler = ({ request, params }) => {
	const { config, secrets } = getContext();
	const storage = getStorage({
		dataDir: config.dataDir,
		storageSigningSecret: secrets.storageSigningSecret,
		storageConfigFile: config.storageConfigFile,
		env: process.env,
		origin: config.origin
	});
	const provider = storage.getLocalProvider(params.path.split('/')[0] ?? '');
	if (!provider) error(404, 'No such local storage provider');
	return handleLocalStorageRequest(provider, request);
};

export const PUT = handle;
export const GET = handle;
export const HEAD = handle;
export const OPTIONS = handle;
