import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import type { LocalDiskProvider } from './local-disk';
import { answerLocalStorage, problem, type LocalAnswer } from './local-disk-answer';

export const LOCAL_STORAGE_PREFIX = '/storage/local/';

/**
 * The node:http transport for local storage URLs. The production server
 * (server/index.js) calls it before SvelteKit: a part body goes from the socket
 * to the part file as Node Buffers, without SvelteKit turning the request into
 * a Web `Request` and the writer turning it back into a Node stream.
 *
 * Returns false when the URL is not a local storage URL (SvelteKit answers it).
 */
export function handleLocalStorageNode(
	lookup: (providerId: string) => LocalDiskProvider | null,
	req: IncomingMessage,
	res: ServerResponse
): boolean {
	const pathname = (req.url ?? '/').split('?', 1)[0]!;
	if (!pathname.startsWith(LOCAL_STORAGE_PREFIX)) return false;
	void answer(lookup, req, res).catch((error: unknown) => {
		// A client that hung up mid-part is not a server fault; the writer already removed the temp file.
		if (req.destroyed || (error as NodeJS.ErrnoException).code === 'ECONNRESET')
			return res.destroy();
		console.error('local storage request failed', error);
		if (res.headersSent) return res.destroy();
		send(
			res,
			problem(500, 'internal_error', 'The storage could not handle this request; try again.')
		).catch(() => res.destroy());
	});
	return true;
}

async function answer(
	lookup: (providerId: string) => LocalDiskProvider | null,
	req: IncomingMessage,
	res: ServerResponse
): Promise<void> {
	const url = new URL(req.url ?? '/', 'http://local');
	const providerId = decodeURIComponent(
		url.pathname.slice(LOCAL_STORAGE_PREFIX.length).split('/', 1)[0] ?? ''
	);
	const provider = lookup(providerId);
	const method = req.method ?? 'GET';
	const result = provider
		? await answerLocalStorage(provider, {
				method,
				url,
				header: (name) => {
					const value = req.headers[name];
					return Array.isArray(value) ? value.join(', ') : (value ?? null);
				},
				body: () => req
			})
		: problem(404, 'unknown_provider', 'No such local storage provider.');
	if (method === 'PUT' && !req.readableEnded) await discardBody(req);
	await send(res, result);
}

/** Most clients read an answer only once they have sent their body, so a refused PUT still
 * gets its body read (and dropped) and the client sees the 4xx, not a reset. Past a limit the
 * connection is closed instead: nobody should make the server read gigabytes it refused. */
const DISCARD_LIMIT = 64 * 1024 * 1024;

function discardBody(req: IncomingMessage): Promise<void> {
	// Answer only once the body is in: a client or proxy still writing when the
	// answer (and the socket's end) arrives sees a reset instead of the 4xx.
	return new Promise((resolve) => {
		let dropped = 0;
		req.on('data', (chunk: Buffer) => {
			dropped += chunk.length;
			if (dropped > DISCARD_LIMIT) req.destroy();
		});
		req.on('end', resolve);
		req.on('close', resolve);
		req.on('error', () => resolve());
	});
}

async function send(res: ServerResponse, answer: LocalAnswer): Promise<void> {
	res.writeHead(answer.status, answer.headers);
	if (answer.body === null) return void res.end();
	if (typeof answer.body === 'string') return void res.end(answer.body);
	await pipeline(Readable.from(answer.body), res);
}
