// Serves /download-stream/{id}: a share download on a browser without the save picker. The
// page decrypts ranges and posts them here in order; this worker hands them to the browser's
// own download as one streamed response. Only the chunk being handed over is held here.

import {
	DOWNLOAD_STREAM_PATH,
	attachmentDisposition,
	isDownloadStreamMessage,
	type DownloadStreamSignal
} from '$lib/adapters/download/stream-protocol';

interface Entry {
	readonly port: MessagePort;
	readonly fileName: string;
	readonly size: number;
	controller: ReadableStreamDefaultController<Uint8Array> | null;
}

const streams = new Map<string, Entry>();

function signal(entry: Entry, message: DownloadStreamSignal): void {
	entry.port.postMessage(message);
}

export { isDownloadStreamMessage };

export function handleDownloadStreamMessage(data: unknown, port: MessagePort | undefined): void {
	if (!isDownloadStreamMessage(data)) return;
	if (data.type === 'DOWNLOAD_STREAM_OPEN') {
		if (!port) return;
		const entry: Entry = { port, fileName: data.fileName, size: data.size, controller: null };
		streams.set(data.id, entry);
		signal(entry, { type: 'ready' });
		return;
	}
	const entry = streams.get(data.id);
	if (!entry?.controller) return;
	switch (data.type) {
		case 'DOWNLOAD_STREAM_CHUNK':
			entry.controller.enqueue(data.bytes);
			return;
		case 'DOWNLOAD_STREAM_END':
			entry.controller.close();
			streams.delete(data.id);
			return;
		case 'DOWNLOAD_STREAM_ABORT':
			entry.controller.error(new Error('the download was cancelled'));
			streams.delete(data.id);
			return;
		case 'DOWNLOAD_STREAM_PING':
			return;
	}
}

/** The id of a download-stream request of this origin, or null. */
export function downloadStreamIdOf(request: Request, origin: string): string | null {
	const url = new URL(request.url);
	if (url.origin !== origin || !url.pathname.startsWith(DOWNLOAD_STREAM_PATH)) return null;
	return url.pathname.slice(DOWNLOAD_STREAM_PATH.length);
}

export function respondToDownloadStream(id: string): Response {
	const entry = streams.get(id);
	if (!entry || entry.controller) {
		return new Response('This download is no longer available; start it again from its page.', {
			status: 404,
			headers: { 'content-type': 'text/plain; charset=utf-8' }
		});
	}
	const body = new ReadableStream<Uint8Array>(
		{
			start(controller) {
				entry.controller = controller;
			},
			// One chunk asked for at a time: the page's ranges wait in the page, not here.
			pull() {
				signal(entry, { type: 'pull' });
			},
			cancel() {
				streams.delete(id);
				signal(entry, { type: 'cancelled' });
			}
		},
		{ highWaterMark: 1 }
	);
	return new Response(body, {
		headers: {
			'content-type': 'application/octet-stream',
			'content-length': String(entry.size),
			'content-disposition': attachmentDisposition(entry.fileName),
			'cache-control': 'no-store'
		}
	});
}
