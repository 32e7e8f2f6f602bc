import { StorageError, type StorageErrorCode } from './errors';

/**
 * Maps what an S3-compatible service (or the network under it) says to one
 * StorageError code. `context` matters: Ceph answers NoSuchKey for ListParts
 * of an aborted upload, which for the caller means "no such upload".
 */
const BY_NAME: Record<string, StorageErrorCode> = {
	NoSuchUpload: 'no_such_upload',
	InvalidPart: 'invalid_part',
	InvalidPartOrder: 'invalid_part_order',
	EntityTooSmall: 'entity_too_small',
	EntityTooLarge: 'entity_too_large',
	NoSuchKey: 'not_found',
	NotFound: 'not_found',
	AccessDenied: 'access_denied',
	InvalidAccessKeyId: 'access_denied',
	SignatureDoesNotMatch: 'access_denied',
	NoSuchBucket: 'misconfigured',
	PermanentRedirect: 'misconfigured',
	AuthorizationHeaderMalformed: 'misconfigured',
	SlowDown: 'unavailable',
	ServiceUnavailable: 'unavailable',
	InternalError: 'unavailable',
	RequestTimeout: 'unavailable'
};

const NETWORK_CODES = new Set([
	'ECONNREFUSED',
	'ECONNRESET',
	'ETIMEDOUT',
	'EHOSTUNREACH',
	'ENOTFOUND',
	'EAI_AGAIN',
	'EPIPE',
	'ENETUNREACH'
]);

export type S3Operation = 'upload' | 'object';

export function mapS3Error(
	error: unknown,
	providerId: string,
	operation: S3Operation
): StorageError {
	if (error instanceof StorageError) return error;
	const e = error as {
		name?: string;
		code?: string;
		message?: string;
		$metadata?: { httpStatusCode?: number };
	};
	const status = e.$metadata?.httpStatusCode;
	const name = e.name ?? '';
	let code: StorageErrorCode | undefined = BY_NAME[name];
	if (code === 'not_found' && operation === 'upload') code = 'no_such_upload';
	if (
		!code &&
		(NETWORK_CODES.has(e.code ?? '') ||
			NETWORK_CODES.has(name) ||
			name === 'TimeoutError' ||
			name === 'AbortError')
	)
		code = 'unavailable';
	if (!code && status !== undefined && status >= 500) code = 'unavailable';
	if (!code && status === 404) code = operation === 'upload' ? 'no_such_upload' : 'not_found';
	if (!code && status === 403) code = 'access_denied';
	if (!code && status === undefined) code = 'unavailable';
	const message = `S3 provider ${providerId}: ${name || 'error'}${e.message ? ` (${e.message})` : ''}`;
	return new StorageError(code ?? 'internal', message, { providerId, status, cause: error });
}
