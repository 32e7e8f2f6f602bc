import { TransferError } from '../../core/errors';
import type { PartBody, PartSender, SendOptions } from '../../ports';
import { errorForFailedFetch, errorForResponse, readProblem } from './http';

/** A body that can stream itself: `FileRangeBody` from file-source.ts, or a `Blob`. */
export interface StreamingBody {
	readonly size: number;
	stream(): ReadableStream<Uint8Array>;
}

export interface NodePartSenderOptions {
	/** Injected for tests; defaults to the global fetch. */
	fetch?: typeof fetch;
	/** Bytes handed to the socket per step of an in-memory body; each step reports progress. */
	chunkSize?: number;
}

const DEFAULT_CHUNK = 256 * 1024;

function isStreaming(body: PartBody): body is StreamingBody {
	return typeof (body as Partial<StreamingBody>).stream === 'function';
}

function sizeOf(body: PartBody): number {
	return body instanceof Uint8Array ? body.length : body.size;
}

/** The bytes of `body` as a stream of at most `chunkSize` pieces, so sending them shows progress. */
function chunksOf(body: PartBody, chunkSize: number): ReadableStream<Uint8Array> {
	if (isStreaming(body)) return body.stream();
	if (!(body instanceof Uint8Array)) {
		throw new TypeError('a part body is a Uint8Array or has a stream() method');
	}
	let offset = 0;
	return new ReadableStream<Uint8Array>({
		pull(controller) {
			if (offset >= body.length) return controller.close();
			const end = Math.min(offset + chunkSize, body.length);
			controller.enqueue(body.subarray(offset, end));
			offset = end;
		}
	});
}

/**
 * Counts bytes as fetch pulls them. fetch pulls only when the socket takes more, so this is
 * upload progress with socket-buffer granularity: enough for the core's stall watchdog.
 */
function counted(
	source: ReadableStream<Uint8Array>,
	onProgress: (loaded: number) => void
): ReadableStream<Uint8Array> {
	const reader = source.getReader();
	let loaded = 0;
	return new ReadableStream<Uint8Array>({
		async pull(controller) {
			const { done, value } = await reader.read();
			if (done) return controller.close();
			loaded += value.length;
			controller.enqueue(value);
			onProgress(loaded);
		},
		cancel: (reason) => reader.cancel(reason)
	});
}

/**
 * PUTs one part to a presigned URL with Node's fetch. The signed `headers` go out unchanged
 * (local-disk URLs need their content-type, S3 URLs their checksum headers); Content-Length is
 * set from the body's size, since storage refuses chunked part uploads.
 */
export class NodePartSender implements PartSender {
	readonly #fetch: typeof fetch;
	readonly #chunkSize: number;

	constructor(options: NodePartSenderOptions = {}) {
		this.#fetch = options.fetch ?? globalThis.fetch;
		this.#chunkSize = options.chunkSize ?? DEFAULT_CHUNK;
	}

	async send(
		url: string,
		method: 'PUT',
		headers: Readonly<Record<string, string>>,
		body: PartBody,
		options: SendOptions
	): Promise<{ etag: string }> {
		const { signal, onProgress } = options;
		const stream = counted(chunksOf(body, this.#chunkSize), onProgress);
		let response: Response;
		try {
			response = await this.#fetch(url, {
				method,
				headers: { ...headers, 'content-length': String(sizeOf(body)) },
				body: stream,
				duplex: 'half',
				signal,
				redirect: 'error'
			} as RequestInit);
		} catch (error) {
			if (signal.aborted) throw error;
			throw errorForFailedFetch(error, false);
		}
		if (!response.ok) throw await errorForPart(response);
		// Drain the (empty) answer so the connection goes back to the pool.
		await response.arrayBuffer().catch(() => {});
		return { etag: response.headers.get('etag') ?? '' };
	}
}

/** S3 says "403 AccessDenied: Request has expired"; Ferry's local storage says `url_expired`. */
async function errorForPart(response: Response): Promise<TransferError> {
	const problem = await readProblem(response);
	const expired =
		response.status === 403 &&
		(problem.serverCode === 'url_expired' || /request has expired/i.test(problem.message));
	if (expired) {
		return new TransferError('url_expired', 'presigned URL expired', {
			httpStatus: 403,
			cause: problem
		});
	}
	return errorForResponse(response, problem);
}
