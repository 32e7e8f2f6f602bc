import { TransferError, httpError } from '../../core/errors';

/**
 * What the Node adapters share about HTTP: reading an error answer, Retry-After, and turning a
 * rejected fetch into a TransferError. Branching happens on `code`; the server's own error code
 * travels in `cause` (name = that code) so logs can show it without anyone parsing messages.
 */

/** The server's (or storage's) own words about a failed request. */
export class ResponseProblem extends Error {
	constructor(
		readonly status: number,
		readonly serverCode: string,
		message: string
	) {
		super(message);
		this.name = serverCode;
	}
}

/**
 * Reads Retry-After (delta-seconds or an HTTP date) as milliseconds from `now`.
 * Absent or unparseable -> undefined: the retry policy's own backoff applies.
 */
export function parseRetryAfter(
	value: string | null,
	now: number = Date.now()
): number | undefined {
	if (value === null || value.trim() === '') return undefined;
	const trimmed = value.trim();
	if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
	const at = Date.parse(trimmed);
	return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

const MAX_ERROR_BODY = 64 * 1024;

/**
 * Ferry answers `{ error: { code, message } }`; S3 answers XML with <Code> and <Message>.
 * Reads at most 64 KiB: an error page is never worth more.
 */
export async function readProblem(response: Response): Promise<ResponseProblem> {
	let text = '';
	try {
		text = (await response.text()).slice(0, MAX_ERROR_BODY);
	} catch {
		// The body broke off; the status alone still classifies the error.
	}
	let code = `http_${response.status}`;
	let message = text.slice(0, 500);
	try {
		const json = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
		if (typeof json.error?.code === 'string') code = json.error.code;
		if (typeof json.error?.message === 'string') message = json.error.message;
	} catch {
		const xmlCode = /<Code>([^<]*)<\/Code>/.exec(text)?.[1];
		const xmlMessage = /<Message>([^<]*)<\/Message>/.exec(text)?.[1];
		if (xmlCode) code = xmlCode;
		if (xmlMessage !== undefined) message = xmlMessage;
	}
	return new ResponseProblem(response.status, code, message);
}

/** A non-2xx answer -> TransferError, classified by status (codeForHttpStatus) plus Retry-After. */
export function errorForResponse(response: Response, problem: ResponseProblem): TransferError {
	const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
	return httpError(response.status, {
		...(retryAfterMs !== undefined && { retryAfterMs }),
		cause: problem
	});
}

function isTransferErrorLike(value: unknown): value is TransferError {
	return (
		typeof value === 'object' &&
		value !== null &&
		(value as { name?: unknown }).name === 'TransferError' &&
		typeof (value as { code?: unknown }).code === 'string'
	);
}

/**
 * A fetch that rejected. undici wraps everything in `TypeError: fetch failed`; the reason is in
 * `cause`. A TransferError thrown by our own body stream (the file changed while it was read)
 * is passed through, since it says more than "network".
 */
export function errorForFailedFetch(error: unknown, timedOut: boolean): TransferError {
	if (isTransferErrorLike(error)) return error;
	const cause = (error as { cause?: unknown } | null)?.cause;
	if (isTransferErrorLike(cause)) return cause;
	if (timedOut) return new TransferError('timeout', 'the request timed out', { cause: error });
	const detail = cause instanceof Error ? `: ${cause.message}` : '';
	const message = error instanceof Error ? `${error.message}${detail}` : String(error);
	return new TransferError('network', message, { cause: error });
}
