/**
 * The one error type of the transfer engine.
 *
 * Errors cross Comlink and postMessage, and structured clone drops the prototype, so callers
 * branch on `code` (see `isTransferErrorData`), never on `instanceof` or on message text.
 */

export type TransferErrorCode =
	/** Connection reset, DNS failure, CORS-opaque failure: the request never got an HTTP answer. */
	| 'network'
	/** A request took longer than its deadline (also HTTP 408). */
	| 'timeout'
	/** A part upload made no progress for `stallTimeoutMs`; the core aborted it. */
	| 'stalled'
	| 'http_4xx'
	| 'http_5xx'
	/** HTTP 429 or S3 SlowDown; `retryAfterMs` says how long the server wants us to wait. */
	| 'rate_limited'
	/** The presigned URL expired (S3 answers 403 "Request has expired"); sign again. */
	| 'url_expired'
	/** Stopped by pause or cancel. Never reported as a failure. */
	| 'aborted'
	| 'offline'
	/** The picked file is no longer the one we started with (size or lastModified differ). */
	| 'file_changed'
	/** The browser lost read access to the file (NotReadableError, revoked permission). */
	| 'file_unreadable'
	/** The server answered, but with something the core cannot use (bad plan, missing parts). */
	| 'server_rejected'
	/** The multipart upload no longer exists on the server (aborted or expired). */
	| 'upload_gone'
	/** Persisting resume data failed; the transfer itself can continue. */
	| 'store_failed'
	| 'unknown';

const RETRYABLE_BY_DEFAULT: Readonly<Record<TransferErrorCode, boolean>> = {
	network: true,
	timeout: true,
	stalled: true,
	http_4xx: false,
	http_5xx: true,
	rate_limited: true,
	url_expired: true,
	aborted: false,
	offline: false,
	file_changed: false,
	file_unreadable: false,
	server_rejected: false,
	upload_gone: false,
	store_failed: false,
	unknown: false
};

const CODES = new Set(Object.keys(RETRYABLE_BY_DEFAULT));

/** Plain-data form of a TransferError: what survives structured clone. */
export interface TransferErrorData {
	readonly name: 'TransferError';
	readonly code: TransferErrorCode;
	readonly message: string;
	readonly retryable: boolean;
	readonly httpStatus?: number;
	readonly retryAfterMs?: number;
	readonly partNumber?: number;
	/** Flattened, because an arbitrary `cause` may not be cloneable. */
	readonly cause?: { readonly name: string; readonly message: string };
}

export interface TransferErrorOptions {
	retryable?: boolean;
	httpStatus?: number;
	retryAfterMs?: number;
	partNumber?: number;
	cause?: unknown;
}

export class TransferError extends Error {
	override readonly name = 'TransferError' as const;
	readonly code: TransferErrorCode;
	readonly retryable: boolean;
	readonly httpStatus?: number;
	readonly retryAfterMs?: number;
	readonly partNumber?: number;

	constructor(code: TransferErrorCode, message: string = code, options: TransferErrorOptions = {}) {
		super(message, options.cause === undefined ? undefined : { cause: options.cause });
		this.code = code;
		this.retryable = options.retryable ?? RETRYABLE_BY_DEFAULT[code];
		if (options.httpStatus !== undefined) this.httpStatus = options.httpStatus;
		if (options.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
		if (options.partNumber !== undefined) this.partNumber = options.partNumber;
	}
}

/** Maps an HTTP status to a code, so every adapter classifies responses the same way. */
export function codeForHttpStatus(status: number): TransferErrorCode {
	if (status === 408) return 'timeout';
	if (status === 429 || status === 503) return 'rate_limited';
	if (status >= 500) return 'http_5xx';
	if (status >= 400) return 'http_4xx';
	return 'unknown';
}

export function httpError(
	status: number,
	options: Omit<TransferErrorOptions, 'httpStatus'> = {}
): TransferError {
	return new TransferError(codeForHttpStatus(status), `HTTP ${status}`, {
		...options,
		httpStatus: status
	});
}

export function isTransferErrorData(value: unknown): value is TransferErrorData {
	if (typeof value !== 'object' || value === null) return false;
	const v = value as Record<string, unknown>;
	return (
		v.name === 'TransferError' &&
		typeof v.code === 'string' &&
		CODES.has(v.code) &&
		typeof v.retryable === 'boolean'
	);
}

function flattenCause(cause: unknown): TransferErrorData['cause'] {
	if (cause === undefined || cause === null) return undefined;
	if (typeof cause === 'object' && 'message' in cause) {
		const c = cause as { name?: unknown; message?: unknown };
		return { name: String(c.name ?? 'Error'), message: String(c.message) };
	}
	return { name: 'Error', message: String(cause) };
}

/** Anything thrown -> cloneable data. Unknown throwables become code 'unknown'. */
export function toTransferErrorData(error: unknown): TransferErrorData {
	if (isTransferErrorData(error)) {
		const data: TransferErrorData = {
			name: 'TransferError',
			code: error.code,
			message: error.message,
			retryable: error.retryable
		};
		return {
			...data,
			...(error.httpStatus !== undefined && { httpStatus: error.httpStatus }),
			...(error.retryAfterMs !== undefined && { retryAfterMs: error.retryAfterMs }),
			...(error.partNumber !== undefined && { partNumber: error.partNumber }),
			...(error.cause !== undefined && { cause: flattenCause(error.cause) })
		};
	}
	const cause = flattenCause(error);
	return {
		name: 'TransferError',
		code: 'unknown',
		message: cause?.message ?? 'Unknown error',
		retryable: false,
		...(cause !== undefined && { cause })
	};
}

/** Anything thrown (including cloned data) -> a TransferError; `fallback` codes foreign errors. */
export function toTransferError(
	error: unknown,
	fallback: TransferErrorCode = 'unknown'
): TransferError {
	if (error instanceof TransferError) return error;
	if (isTransferErrorData(error)) {
		return new TransferError(error.code, error.message, {
			retryable: error.retryable,
			...(error.httpStatus !== undefined && { httpStatus: error.httpStatus }),
			...(error.retryAfterMs !== undefined && { retryAfterMs: error.retryAfterMs }),
			...(error.partNumber !== undefined && { partNumber: error.partNumber }),
			...(error.cause !== undefined && { cause: error.cause })
		});
	}
	const message =
		typeof error === 'object' && error !== null && 'message' in error
			? String((error as { message: unknown }).message)
			: String(error);
	return new TransferError(fallback, message, { cause: error });
}
