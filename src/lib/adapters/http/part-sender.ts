import { TransferError, httpError } from '$lib/core/errors';
import type { PartBody, PartSender, SendOptions } from '$lib/ports';
import { parseRetryAfter } from './upload-api';

/**
 * Bytes become a Blob before they are sent: Chromium streams a Blob body from its blob store,
 * while an ArrayBuffer body is copied into the request (and, with DevTools attached, also
 * captured, which drops uploads to about 18 MB/s).
 */
function toBlob(body: PartBody): Blob {
	if (body instanceof Blob) return body;
	if (body instanceof Uint8Array) return new Blob([body as Uint8Array<ArrayBuffer>]);
	throw new TransferError('unknown', 'part body is neither a Blob nor bytes');
}

function abortError(signal: AbortSignal): unknown {
	return signal.reason ?? new TransferError('aborted');
}

/** XMLHttpRequest PUT: the only browser API with upload progress on HTTP/1.1. */
export class XhrPartSender implements PartSender {
	send(
		url: string,
		method: 'PUT',
		headers: Readonly<Record<string, string>>,
		body: PartBody,
		{ signal, onProgress }: SendOptions
	): Promise<{ etag: string }> {
		return new Promise((resolve, reject) => {
			if (signal.aborted) return reject(abortError(signal));
			const blob = toBlob(body);
			const xhr = new XMLHttpRequest();
			const onAbort = (): void => xhr.abort();
			const settle = (): void => signal.removeEventListener('abort', onAbort);
			xhr.open(method, url);
			for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value);
			xhr.upload.onprogress = (event) => onProgress(event.loaded);
			xhr.onload = () => {
				settle();
				if (xhr.status >= 200 && xhr.status < 300) {
					onProgress(blob.size);
					resolve({ etag: xhr.getResponseHeader('etag') ?? '' });
					return;
				}
				const retryAfterMs = parseRetryAfter(xhr.getResponseHeader('retry-after'));
				reject(httpError(xhr.status, retryAfterMs !== undefined ? { retryAfterMs } : {}));
			};
			xhr.onerror = () => {
				settle();
				reject(new TransferError('network', 'the part upload lost its connection'));
			};
			xhr.onabort = () => {
				settle();
				reject(abortError(signal));
			};
			xhr.ontimeout = () => {
				settle();
				reject(new TransferError('timeout', 'the part upload timed out'));
			};
			signal.addEventListener('abort', onAbort, { once: true });
			xhr.send(blob);
		});
	}
}

/**
 * fetch PUT for the service worker, which has no XMLHttpRequest. fetch reports no upload
 * progress, so progress jumps from 0 to the part size; the core's stall watchdog must then be
 * longer than one part takes.
 */
export class FetchPartSender implements PartSender {
	async send(
		url: string,
		method: 'PUT',
		headers: Readonly<Record<string, string>>,
		body: PartBody,
		{ signal, onProgress }: SendOptions
	): Promise<{ etag: string }> {
		const blob = toBlob(body);
		let response: Response;
		try {
			response = await fetch(url, { method, headers, body: blob, signal });
		} catch (error) {
			if (signal.aborted) throw error;
			throw new TransferError('network', 'the part upload lost its connection', { cause: error });
		}
		if (!response.ok) {
			const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
			await response.body?.cancel();
			throw httpError(response.status, retryAfterMs !== undefined ? { retryAfterMs } : {});
		}
		await response.body?.cancel();
		onProgress(blob.size);
		return { etag: response.headers.get('etag') ?? '' };
	}
}

/** XHR where it exists (pages, dedicated workers), fetch otherwise (service worker). */
export function createPartSender(): PartSender {
	return typeof XMLHttpRequest === 'function' ? new XhrPartSender() : new FetchPartSender();
}
