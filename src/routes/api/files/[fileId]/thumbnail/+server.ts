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
	const declared = Number(event.request.headers.get('content-length') ?? '0');
	if (declared > MAX_THUMBNAIL_BYTES) {
		throw new ApiError(
			413,
			'thumbnail_too_large',
			`A thumbnail may be at most ${MAX_THUMBNAIL_BYTES / 1024} KiB.`
		);
	}
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

/** Reads the body but stops one byte past the limit, so a huge body is refused without being buffered. */
async function readAtMost(request: Request, limit: number): Promise<Uint8Array<ArrayBuffer>> {
	if (!request.body) return new Uint8Array(0);
	const reader = request.body.getReader();
	const chunks: Uint8Array[] = [];
	let total = 0;
	for (let next = await reader.read(); !next.done; next = await reader.read()) {
		total += next.value.length;
		if (total > limit) {
			await reader.cancel();
			throw new ApiError(
				413,
				'thumbnail_too_large',
				`A thumbnail may be at most ${limit / 1024} KiB.`
			);
		}
		chunks.push(next.value);
	}
	const out = new Uint8Array(total);
	let offset = 0;
	for (const chunk of chunks) {
		out.set(chunk, offset);
		offset += chunk.length;
	}
	return out;
}
