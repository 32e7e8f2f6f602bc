import { ApiError } from './http';
import { isStorageError, type StorageErrorCode } from './storage/errors';
import type { StorageRegistry } from './storage/registry';
import type { StorageProvider } from './storage/types';

/**
 * What the upload and file services need from storage: where a new upload
 * goes, the provider an existing one lives on, and a way to call it that
 * waits out short outages and turns storage errors into API answers.
 */
export interface StorageAccess {
	pick(): { id: string; provider: StorageProvider };
	get(id: string): StorageProvider;
	call<T>(id: string, fn: () => Promise<T>): Promise<T>;
}

const statusFor: Partial<Record<StorageErrorCode, [number, string]>> = {
	no_such_upload: [410, 'The storage no longer has this upload (it expired or was cancelled); start it again.'],
	invalid_part: [409, 'The storage does not have one of the parts as listed; upload the missing parts again.'],
	invalid_part_order: [400, 'List the parts in ascending order.'],
	entity_too_small: [409, 'A part other than the last is smaller than the storage allows.'],
	entity_too_large: [413, 'The part or file is larger than the storage allows.'],
	not_found: [404, 'The stored object was not found.'],
	unavailable: [503, 'The storage is unavailable right now; try again shortly.'],
	no_healthy_provider: [503, 'No storage is available right now; try again shortly.']
};

export function toApiError(error: unknown): unknown {
	if (!isStorageError(error)) return error;
	const mapped = statusFor[error.code];
	if (!mapped) return error;
	const [status, message] = mapped;
	return new ApiError(status, `storage_${error.code}`, message, status === 503 ? { 'Retry-After': '5' } : {});
}

export function registryAccess(registry: StorageRegistry): StorageAccess {
	return {
		pick() {
			try {
				return registry.pickProviderForNewUpload();
			} catch (error) {
				throw toApiError(error);
			}
		},
		get(id) {
			return registry.getProvider(id);
		},
		async call(id, fn) {
			try {
				// In-flight uploads cannot move: wait a little for their provider.
				return await registry.withBackoff(id, () => fn(), 3);
			} catch (error) {
				throw toApiError(error);
			}
		}
	};
}
