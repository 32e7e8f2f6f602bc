import fs from 'node:fs';
import { Readable } from 'node:stream';
import type { LocalDiskProvider } from './local-disk';
import { mapRange, parseRange, type Manifest, type PartSlice } from './local-manifest';

/**
 * The HTTP face of the local-disk provider: part PUTs and ranged GET/HEAD of
 * completed objects, all authorised by the signed URL alone (no cookies), so
 * the page, a worker or the service worker can call it from any origin.
 */

const CORS: Record<string, string> = {
	'access-control-allow-origin': '*',
	'access-control-allow-methods': 'PUT, GET, HEAD, OPTIONS',
	'access-control-allow-headers': 'content-type, range, content-md5, x-amz-checksum-sha256, x-amz-checksum-crc32c',
	'access-control-expose-headers': 'etag, content-length, content-range, accept-ranges, content-disposition',
	'access-control-max-age': '3600'
};

export async function handleLocalStorageRequest(provider: LocalDiskProvider, request: Request): Promise<Response> {
	if (request.method === 'OPTIONS') return new Response(null, { status: 204, headers: CORS });
	const url = new URL(request.url);
	const verdict = provider.verifyUrl(url);
	if (!verdict.ok) return problem(verdict.status, verdict.code, verdict.message);
	const claims = verdict.claims;
	if (claims.providerId !== provider.id) return problem(404, 'unknown_provider', 'This URL belongs to another storage provider.');

	if (claims.op === 'part') {
		if (request.method !== 'PUT') return problem(405, 'method_not_allowed', 'Part URLs accept PUT only.');
		const declared = request.headers.get('content-length');
		if (declared !== null && Number(declared) !== claims.length) {
			// Refuse before reading a byte: the client is sending the wrong slice.
			return problem(400, 'length_mismatch', `The URL was signed for ${claims.length} bytes; Content-Length says ${declared}.`);
		}
		const outcome = await provider.receivePart(claims.uploadId, claims.key, claims.partNumber, claims.length, claims.checksum, request.body);
		if (!outcome.ok) return problem(outcome.status, outcome.code, outcome.message);
		return new Response(null, { status: 200, headers: { ...CORS, etag: outcome.etag } });
	}

	if (request.method !== 'GET' && request.method !== 'HEAD') return problem(405, 'method_not_allowed', 'Object URLs accept GET and HEAD.');
	const manifest = await provider.readManifest(claims.key);
	if (!manifest) return problem(404, 'not_found', 'No such object.');
	const headers: Record<string, string> = {
		...CORS,
		'accept-ranges': 'bytes',
		etag: manifest.etag,
		'content-type': claims.contentType ?? manifest.contentType,
		'last-modified': new Date(manifest.completedAt).toUTCString(),
		'cache-control': 'private, no-store'
	};
	if (claims.fileName !== null) headers['content-disposition'] = contentDisposition(claims.fileName);
	const range = parseRange(request.headers.get('range'), manifest.size);
	if (range === 'unsatisfiable') {
		return new Response(null, { status: 416, headers: { ...headers, 'content-range': `bytes */${manifest.size}` } });
	}
	const [status, start, end] = range ? [206, range.start, range.end] : [200, 0, manifest.size - 1];
	headers['content-length'] = String(end - start + 1);
	if (range) headers['content-range'] = `bytes ${start}-${end}/${manifest.size}`;
	if (request.method === 'HEAD' || manifest.size === 0) return new Response(null, { status, headers });
	const slices = mapRange(manifest.parts, { start, end });
	const body = Readable.toWeb(Readable.from(readSlices(provider, manifest, slices))) as ReadableStream<Uint8Array>;
	return new Response(body, { status, headers });
}

/** One part file after another; each read stream ends before the next opens. */
async function* readSlices(provider: LocalDiskProvider, manifest: Manifest, slices: PartSlice[]) {
	for (const slice of slices) {
		yield* fs.createReadStream(provider.partPath(manifest, slice.partNumber), { start: slice.start, end: slice.end, highWaterMark: 1024 * 1024 });
	}
}

/** RFC 6266: an ASCII fallback plus the exact UTF-8 name. */
export function contentDisposition(fileName: string): string {
	const fallback = fileName.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
	return `attachment; filename="${fallback}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}

function problem(status: number, code: string, message: string): Response {
	return new Response(JSON.stringify({ error: { code, message } }), {
		status,
		headers: { ...CORS, 'content-type': 'application/json' }
	});
}
