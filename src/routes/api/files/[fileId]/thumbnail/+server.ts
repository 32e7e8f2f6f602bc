import { json, redirect } from '@sveltejs/kit';
import { MAX_THUMBNAIL_BYTES } from '$lib/core/preview';
import { requireUser } from '$lib/server/guards';
import { ApiError, api } from '$lib/server/http';
import { getUploadDeps } from '$lib/server/services';
import { putThumbnail, thumbnailUrl } from '$lib/server/thumbnails';
import type { RequestHandler } from './$types';

/** Redirects to a presigned GET of the thumbnail (an <img> can use this URL directly). */
export const GET: RequestHandler = api(async (event) => {
	const user = requireUser(event);
	const { url } = await thumbnailUrl(
		getUploadDeps(),
		event.params.fileId,
		user.id,
		event.url.origin
	);
	redirect(302, url);
});

/** Stores the thumbnail as the raw request body (image/jpeg, image/webp, or a sealed envelope). */
export const PUT: RequestHandler = api(async (event) => {
	const user = requireUser(event);
	const bytes = await readAtMost(event.request, MAX_THUMBNAIL_BYTES);
	const result = await putThumbnail(
		getUploadDeps(),
		event.params.fileId,
		user.id,
		event.request.headers.get('content-type') ?? '',
		bytes,
		event.url.origin
	);
	return json({ size: result.size, encrypted: result.encrypted }, { status: 201 });
});

/**
 * Reads the body, keeping at most `limit` bytes. An oversized body is still
 * read to its end (the Node adapter caps request bodies at BODY_SIZE_LIMIT):
 * answering before the client finished sending resets the connection, and
 * the client would see a network error instead of the 413 that says why.
 */
async function readAtMost(request: Request, limit: number): Promise<Uint8Array<ArrayBuffer>> {
	if (!request.body) return new Uint8Array(0);
	const out = new Uint8Array(limit);
	let total = 0;
	const reader = request.body.getReader();
	for (let next = await reader.read(); !next.done; next = await reader.read()) {
		if (total + next.value.length <= limit) out.set(next.value, total);
		total += next.value.length;
	}
	if (total > limit) {
		throw new ApiError(
			413,
			'thumbnail_too_large',
			`A thumbnail may be at most ${limit / 1024} KiB.`
		);
	}
	return out.slice(0, total);
}
