// Answers `/preview/{id}` requests for encrypted files: for each (ranged)
// request it fetches only the ciphertext records the range needs and decrypts
// them here, so a seek into a 10 GB video costs about a megabyte of traffic.
// Registrations (with the key) live in this worker's memory only; after a
// restart they are gone and the page registers again (it gets a 404 with
// `x-ferry-preview: unknown` and reloads the element).

import {
	decryptRecords,
	importFileKey,
	parseHeader,
	recordSpan,
	type EncryptionHeader
} from '$lib/core/crypto';
import {
	ciphertextChunks,
	contentRange,
	isPreviewRequest,
	isUrlFresh,
	parseRangeHeader,
	planPreviewSlice,
	previewContentType,
	previewIdFromPath,
	previewKind,
	type ByteRange,
	type PreviewResponse,
	type UrlSource
} from '$lib/core/preview';

/** Plaintext per ranged answer: enough for smooth playback, small enough that a seek is cheap. */
const SLICE_BYTES = 1024 * 1024;
/** Ciphertext per storage request inside one answer. */
const FETCH_BYTES = 1024 * 1024;

interface Entry {
	key: CryptoKey;
	header: EncryptionHeader;
	contentType: string;
	source: UrlSource;
	url: { href: string; expiresAt: number } | null;
	/** Recent ciphertext ranges fetched, for the page's diagnostics (and the e2e test). */
	fetched: [number, number][];
}

const entries = new Map<string, Entry>();

export async function handlePreviewMessage(data: unknown): Promise<PreviewResponse | null> {
	if (!isPreviewRequest(data)) return null;
	try {
		switch (data.type) {
			case 'PREVIEW_REGISTER': {
				const key = await importFileKey(data.key);
				entries.set(data.previewId, {
					key,
					header: parseHeader(data.header),
					contentType: data.contentType,
					source: data.source,
					url: null,
					fetched: []
				});
				return { type: 'PREVIEW_OK', requestId: data.requestId, known: true };
			}
			case 'PREVIEW_FORGET':
				entries.delete(data.previewId);
				return { type: 'PREVIEW_OK', requestId: data.requestId, known: false };
			case 'PREVIEW_HAS':
				return {
					type: 'PREVIEW_OK',
					requestId: data.requestId,
					known: entries.has(data.previewId),
					fetched: entries.get(data.previewId)?.fetched ?? []
				};
		}
	} catch {
		return {
			type: 'PREVIEW_ERROR',
			requestId: data.requestId,
			message: 'The preview could not be set up in the service worker.'
		};
	}
}

/** The preview id a request is for, or null when it is not a preview request. */
export function previewIdOf(request: Request, origin: string): string | null {
	const url = new URL(request.url);
	if (url.origin !== origin || request.method !== 'GET') return null;
	return previewIdFromPath(url.pathname);
}

async function signedUrl(entry: Entry, forceNew: boolean): Promise<string> {
	if (!forceNew && entry.url && isUrlFresh(entry.url.expiresAt, Date.now())) return entry.url.href;
	const init: RequestInit =
		entry.source.kind === 'get'
			? { credentials: 'same-origin' }
			: {
					method: 'POST',
					credentials: 'same-origin',
					headers: { 'content-type': 'application/json' },
					body: JSON.stringify(entry.source.body)
				};
	const response = await fetch(entry.source.endpoint, init);
	if (!response.ok) throw new Error(`url_source_${response.status}`);
	const body = (await response.json()) as { url?: unknown; expiresAt?: unknown };
	if (typeof body.url !== 'string') throw new Error('url_source_invalid');
	const expiresAt =
		typeof body.expiresAt === 'string' ? Date.parse(body.expiresAt) : Date.now() + 60_000;
	entry.url = { href: new URL(body.url, self.location.origin).href, expiresAt };
	return entry.url.href;
}

/** One ranged GET of ciphertext; an expired or refused URL is fetched anew once. */
async function fetchCiphertext(
	entry: Entry,
	start: number,
	end: number
): Promise<Uint8Array<ArrayBuffer>> {
	for (let attempt = 0; ; attempt++) {
		const href = await signedUrl(entry, attempt > 0);
		const response = await fetch(href, { headers: { range: `bytes=${start}-${end - 1}` } });
		if ((response.status === 403 || response.status === 401) && attempt === 0) continue;
		if (response.status !== 206 && response.status !== 200)
			throw new Error(`storage_${response.status}`);
		const bytes = new Uint8Array(await response.arrayBuffer());
		entry.fetched.push([start, end]);
		if (entry.fetched.length > 500) entry.fetched.shift();
		// A server that ignored Range answers 200 with everything; cut the part we asked for.
		return response.status === 200 ? bytes.slice(start, end) : bytes;
	}
}

/** Streams plaintext [range) by fetching and decrypting whole records, one chunk per pull. */
function decryptedStream(entry: Entry, range: ByteRange): ReadableStream<Uint8Array> {
	const slice = planPreviewSlice(entry.header, range, Number.MAX_SAFE_INTEGER);
	const chunks = ciphertextChunks(entry.header, slice.plan, FETCH_BYTES);
	let index = 0;
	return new ReadableStream<Uint8Array>(
		{
			async pull(controller) {
				const chunk = chunks[index++];
				if (!chunk) return controller.close();
				const span = recordSpan(entry.header, chunk.firstRecord, chunk.recordCount);
				const ciphertext = await fetchCiphertext(entry, span.ciphertextStart, span.ciphertextEnd);
				const plain = await decryptRecords(
					entry.key,
					entry.header,
					chunk.firstRecord,
					ciphertext,
					chunk.recordCount
				);
				const from = Math.max(range.start, span.plaintextStart) - span.plaintextStart;
				const to = Math.min(range.end, span.plaintextEnd) - span.plaintextStart;
				controller.enqueue(plain.subarray(from, to));
				if (index >= chunks.length) controller.close();
			}
		},
		// Pull only when the consumer reads: a paused video stops the fetching.
		{ highWaterMark: 0 }
	);
}

export function respondToPreview(request: Request, previewId: string): Response {
	const entry = entries.get(previewId);
	if (!entry) {
		return new Response(
			'This preview is not registered in the service worker (it may have restarted).',
			{
				status: 404,
				headers: {
					'content-type': 'text/plain',
					'x-ferry-preview': 'unknown',
					'cache-control': 'no-store'
				}
			}
		);
	}
	const size = entry.header.plaintextSize;
	const headers = new Headers({
		'content-type': previewContentType(previewKind(entry.contentType), entry.contentType),
		'accept-ranges': 'bytes',
		'cache-control': 'no-store',
		'x-content-type-options': 'nosniff'
	});
	// Never run script from a preview. Not for PDFs: Chromium's PDF viewer refuses to open in a sandbox.
	if (previewKind(entry.contentType) !== 'pdf') {
		headers.set(
			'content-security-policy',
			"sandbox; default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'"
		);
	}
	const asked = parseRangeHeader(request.headers.get('range'), size);
	if (asked.kind === 'unsatisfiable') {
		headers.set('content-range', `bytes */${size}`);
		return new Response(null, { status: 416, headers });
	}
	if (asked.kind === 'whole') {
		headers.set('content-length', String(size));
		return new Response(size === 0 ? null : decryptedStream(entry, { start: 0, end: size }), {
			status: 200,
			headers
		});
	}
	const { range } = planPreviewSlice(entry.header, asked.range, SLICE_BYTES);
	headers.set('content-range', contentRange(range, size));
	headers.set('content-length', String(range.end - range.start));
	return new Response(decryptedStream(entry, range), { status: 206, headers });
}

/** Preview messages are routed here; everything else goes to ./messages.ts. */
export function isPreviewMessage(data: unknown): boolean {
	return (
		typeof data === 'object' &&
		data !== null &&
		typeof (data as { type?: unknown }).type === 'string' &&
		(data as { type: string }).type.startsWith('PREVIEW_')
	);
}
