import { Readable } from 'node:stream';
import type { LocalDiskProvider } from './local-disk';
import { answerLocalStorage } from './local-disk-answer';

/** The SvelteKit (Request/Response) transport for local storage URLs: what `vite dev` serves. */
export async function handleLocalStorageRequest(
	provider: LocalDiskProvider,
	request: Request
): Promise<Response> {
	const answer = await answerLocalStorage(provider, {
		method: request.method,
		url: new URL(request.url),
		header: (name) => request.headers.get(name),
		body: () => request.body
	});
	const body =
		answer.body === null || typeof answer.body === 'string'
			? answer.body
			: (Readable.toWeb(Readable.from(answer.body)) as ReadableStream<Uint8Array>);
	return new Response(body, { status: answer.status, headers: answer.headers });
}
