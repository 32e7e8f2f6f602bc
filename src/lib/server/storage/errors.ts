/**
 * One error type for every provider. Callers branch on `code` (errors lose
 * their prototype when they cross a worker or a JSON answer).
 */
export type StorageErrorCode =
	| 'no_such_upload'
	| 'invalid_part'
	| 'invalid_part_order'
	| 'entity_too_small'
	| 'entity_too_large'
	| 'not_found'
	| 'access_denied'
	| 'invalid_request'
	| 'misconfigured'
	| 'unavailable'
	| 'no_healthy_provider'
	| 'unknown_provider'
	| 'internal';

export class StorageError extends Error {
	constructor(
		readonly code: StorageErrorCode,
		message: string,
		readonly details: { providerId?: string; status?: number; cause?: unknown } = {}
	) {
		super(message, details.cause === undefined ? undefined : { cause: details.cause });
		this.name = 'StorageError';
	}
}

export function isStorageError(error: unknown, code?: StorageErrorCode): error is StorageError {
	if (typeof error !== 'object' || error === null) return false;
	const candidate = error as { name?: unknown; code?: unknown };
	if (candidate.name !== 'StorageError') return false;
	return code === undefined || candidate.code === code;
}

/** Errors worth waiting out: the provider may come back. */
export function isRetryableStorageError(error: unknown): boolean {
	return isStorageError(error, 'unavailable');
}
