import { TransferError, httpError } from '$lib/core/errors';
import type { RangeFetcher } from '$lib/core/download';

/**
 * GETs one byte range with fetch and reads the body chunk by chunk, so progress is live and
 * the only buffer is the range itself (8 MiB by default), never the file.
 */
export class FetchRangeFetcher implements RangeFetcher {
	readonly #fetch: typeof fetch;

	constructor(fetchImpl: typeof fetch = (input, init) => fetch(input, init)) {
		this.#fetch = fetchImpl;
	}

	async fetchRange(
		url: string,
		start: number,
		end: number,
		signal: AbortSignal,
		onProgress: (loaded: number) => void
	): Promise<Uint8Array<ArrayBuffer>> {
		const length = end - start;
		let response: Response;
		try {
			response = await this.#fetch(url, {
				headers: { range: `bytes=${start}-${end - 1}` },
				signal,
				// Presigned URLs carry their own authority; cookies would only confuse storage CORS.
				credentials: 'omit',
				cache: 'no-store'
			});
		} catch (error) {
			if (signal.aborted) throw error;
			throw new TransferError('network', 'the download could not reach storage', { cause: error });
		}
		if (response.status === 403) {
			// Storage says 403 once a presigned URL has expired: ask the grant for a new one.
			await response.body?.cancel();
			throw new TransferError('url_expired', 'the download URL expired', { httpStatus: 403 });
		}
		if (response.status !== 206) {
			await response.body?.cancel();
			if (response.status === 200) {
				throw new TransferError('server_rejected', 'storage ignored the Range header', {
					httpStatus: 200
				});
			}
			const retryAfter = Number(response.headers.get('retry-after'));
			throw httpError(response.status, {
				retryAfterMs: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined
			});
		}
		checkContentRange(response.headers.get('content-range'), start, end);
		const out = new Uint8Array(new ArrayBuffer(length));
		let loaded = 0;
		const reader = response.body!.getReader();
		try {
			for (;;) {
				const { done, value } = await reader.read();
				if (done) break;
				if (loaded + value.length > length) {
					throw new TransferError('server_rejected', 'storage sent more bytes than asked for');
				}
				out.set(value, loaded);
				loaded += value.length;
				onProgress(loaded);
			}
		} catch (error) {
			if (signal.aborted || error instanceof TransferError) throw error;
			throw new TransferError('network', 'the download was cut off', { cause: error });
		} finally {
			reader.releaseLock();
		}
		if (loaded !== length) throw new TransferError('network', 'the download was cut off');
		return out;
	}
}

/** `bytes start-(end-1)/total`: anything else means storage answered another range. */
function checkContentRange(header: string | null, start: number, end: number): void {
	const match = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(header ?? '');
	if (!match || Number(match[1]) !== start || Number(match[2]) !== end - 1) {
		throw new TransferError('server_rejected', `storage answered the wrong range (${header})`);
	}
}
