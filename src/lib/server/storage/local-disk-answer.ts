import fs from 'node:fs';
import type { Readable } from 'node:stream';
import type { LocalDiskProvider } from './local-disk';
import { mapRange, parseRange, type Manifest, type PartSlice } from './local-manifest';
import type { PartBody } from './local-part-writer';

/**
 * The HTTP face of the local-disk provider: part PUTs and ranged GET/HEAD of
 * completed objects, all authorised by the signed URL alone (no cookies), so
 * the page, a worker or the service worker can call it from any origin.
 *
 * `answerLocalStorage` decides; two thin transports carry its answer: the
 * SvelteKit route (Request/Response, used by `vite dev`) and the node:http
 * fast path in local-disk-node.ts, which the production server runs before
 * SvelteKit so 50 GB of part bodies never go through the Web-stream bridge.
 */

const CORS: Record<string, string> = {
	'access-control-allow-origin': '*',
	'access-control-allow-methods': 'PUT, GET, HEAD, OPTIONS',
	'access-control-allow-headers':
		'content-type, range, content-md5, x-amz-checksum-sha256, x-amz-checksum-crc32c',
	'access-control-expose-headers':
		'etag, content-length, content-range, accept-ranges, content-disposition',
	'access-control-max-age': '3600'
};

export interface LocalRequest {
	method: string;
	url: URL;
	header(name: string): string | null;
	/** The request body, read only for part PUTs. */
	body(): PartBody;
}

export interface LocalAnswer {
	status: number;
	headers: Record<string, string>;
	/** JSON text, the bytes of an object (GET), or nothing. */
	body: string | AsyncIterable<Buffer> | null;
}

export async function answerLocalStorage(
	provider: LocalDiskProvider,
	request: LocalRequest
): Promise<LocalAnswer> {
	if (request.method === 'OPTIONS') return { status: 204, headers: CORS, body: null };
	const verdict = provider.verifyUrl(request.url);
	if (!verdict.ok) return problem(verdict.status, verdict.code, verdict.message);
	const claims = verdict.claims;
	if (claims.providerId !== provider.id)
		return problem(404, 'unknown_provider', 'This URL belongs to another storage provider.');

	if (claims.op === 'part') {
		if (request.method !== 'PUT')
			return problem(405, 'method_not_allowed', 'Part URLs accept PUT only.');
		const declared = request.header('content-length');
		if (declared !== null && Number(declared) !== claims.length) {
			// Refuse before reading a byte: the client is sending the wrong slice.
			return problem(
				400,
				'length_mismatch',
				`The URL was signed for ${claims.length} bytes; Content-Length says ${declared}.`
			);
		}
		const outcome = await provider.receivePart(
			claims.uploadId,
			claims.key,
			claims.partNumber,
			claims.length,
			claims.checksum,
			request.body()
		);
		if (!outcome.ok) return problem(outcome.status, outcome.code, outcome.message);
		return { status: 200, headers: { ...CORS, etag: outcome.etag }, body: null };
	}

	if (request.method !== 'GET' && request.method !== 'HEAD')
		return problem(405, 'method_not_allowed', 'Object URLs accept GET and HEAD.');
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
	if (claims.fileName !== null)
		headers['content-disposition'] = contentDisposition(claims.fileName);
	const range = parseRange(request.header('range'), manifest.size);
	if (range === 'unsatisfiable') {
		return {
			status: 416,
			headers: { ...headers, 'content-range': `bytes */${manifest.size}` },
			body: null
		};
	}
	const [status, start, end] = range ? [206, range.start, range.end] : [200, 0, manifest.size - 1];
	headers['content-length'] = String(end - start + 1);
	if (range) headers['content-range'] = `bytes ${start}-${end}/${manifest.size}`;
	if (request.method === 'HEAD' || manifest.size === 0) return { status, headers, body: null };
	return {
		status,
		headers,
		body: readSlices(provider, manifest, mapRange(manifest.parts, { start, end }))
	};
}

/** One part file after another; each read stream ends before the next opens. */
async function* readSlices(
	provider: LocalDiskProvider,
	manifest: Manifest,
	slices: PartSlice[]
): AsyncGenerator<Buffer> {
	for (const slice of slices) {
		const stream: Readable = fs.createReadStream(provider.partPath(manifest, slice.partNumber), {
			start: slice.start,
			end: slice.end,
			highWaterMark: 1024 * 1024
		});
		yield* stream as AsyncIterable<Buffer>;
	}
}

/** RFC 6266: an ASCII fallback plus the exact UTF-8 name. */
export function contentDisposition(fileName: string): string {
	const fallback = fileName.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
	return `attachment; filename="${fallback}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}

export function problem(status: number, code: string, message: string): LocalAnswer {
	return {
		status,
		headers: { ...CORS, 'content-type': 'application/json' },
		body: JSON.stringify({ error: { code, message } })
	};
}
