import { TransferError, httpError } from '$lib/core/errors';
import type {
	CompleteUploadInput,
	CreateUploadInput,
	CreatedUpload,
	RemoteUploadState,
	SignPartsInput,
	SignedPartUrl,
	UploadApi,
	UploadStatus,
	UploadedFile
} from '$lib/ports';

/** What the create answer says about the storage the server picked (docs/api.md "Uploads"). */
export interface StorageInfo {
	providerId: string;
	capabilities: { perPartChecksums: string[]; [key: string]: unknown };
}

export interface HttpUploadApiOptions {
	/** Origin of the Ferry server; '' means this origin (page and workers). */
	baseUrl?: string;
	/** Deadline of one JSON request. */
	timeoutMs?: number;
	fetch?: typeof fetch;
	/** Called with the storage answer of every create, so the caller can learn capabilities. */
	onStorageInfo?: (info: StorageInfo) => void;
}

const SERVER_STATES: Record<string, RemoteUploadState> = {
	uploading: 'active',
	// A `complete` is running on the server: the upload still exists; completing again waits.
	completing: 'active',
	completed: 'completed',
	aborted: 'aborted',
	expired: 'expired'
};

/** Retry-After is seconds or an HTTP date. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
	if (value === null || value.trim() === '') return undefined;
	const seconds = Number(value);
	if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
	const at = Date.parse(value);
	return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

async function errorFor(response: Response): Promise<TransferError> {
	let code = '';
	let message = `HTTP ${response.status}`;
	try {
		const body = (await response.json()) as { error?: { code?: unknown; message?: unknown } };
		if (typeof body.error?.code === 'string') code = body.error.code;
		if (typeof body.error?.message === 'string') message = body.error.message;
	} catch {
		// Not JSON (a proxy's error page): the status alone decides.
	}
	const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
	const status = response.status;
	const cause = { name: code || 'HttpError', message };
	if (status === 410 || code === 'upload_gone') {
		return new TransferError('upload_gone', message, { httpStatus: status, cause });
	}
	if (code === 'completion_in_progress') {
		// Another request is completing this upload; asking again shortly is the documented answer.
		return new TransferError('rate_limited', message, {
			httpStatus: status,
			retryAfterMs: retryAfterMs ?? 2000,
			cause
		});
	}
	const err = httpError(status, { ...(retryAfterMs !== undefined && { retryAfterMs }), cause });
	// Keep the server's sentence: it says what to do ("delete files or ask for more space").
	return new TransferError(err.code, message, {
		httpStatus: status,
		retryable: err.retryable,
		...(retryAfterMs !== undefined && { retryAfterMs }),
		cause
	});
}

/** The name the server is given for a file whose real name is sealed. */
export const SEALED_FILE_NAME = 'encrypted';

/** The UploadApi port over Ferry's JSON API with fetch; one deadline per request. */
export class HttpUploadApi implements UploadApi {
	readonly #base: string;
	readonly #timeoutMs: number;
	readonly #fetch: typeof fetch;
	readonly #onStorageInfo: ((info: StorageInfo) => void) | undefined;

	constructor(options: HttpUploadApiOptions = {}) {
		this.#base = options.baseUrl ?? '';
		this.#timeoutMs = options.timeoutMs ?? 30_000;
		this.#fetch = options.fetch ?? ((input, init) => fetch(input, init));
		this.#onStorageInfo = options.onStorageInfo;
	}

	async create(input: CreateUploadInput, signal?: AbortSignal): Promise<CreatedUpload> {
		// The Cipher's descriptor is the record header plus opaque strings (wrapped key, sealed
		// name); the server wants the header under `header`. With a sealed name, the real name,
		// type and date stay here: the server gets a placeholder (docs/encryption.md).
		const { encryption, ...rest } = input;
		let body: object = rest;
		if (encryption) {
			const { wrappedKey, encryptedMetadata, ...header } = encryption;
			const sealed = typeof encryptedMetadata === 'string';
			const { contentType: _type, lastModified: _date, ...plain } = rest;
			body = {
				...(sealed ? { ...plain, fileName: SEALED_FILE_NAME } : rest),
				encryption: {
					header,
					...(typeof wrappedKey === 'string' && { wrappedKey }),
					...(sealed && { encryptedMetadata })
				}
			};
		}
		const created = await this.#json<CreatedUpload & { storage?: StorageInfo }>(
			'POST',
			'/api/uploads',
			body,
			signal
		);
		if (created.storage) this.#onStorageInfo?.(created.storage);
		return {
			uploadId: created.uploadId,
			fileId: created.fileId,
			partSize: created.partSize,
			partCount: created.partCount,
			expiresAt: String(created.expiresAt)
		};
	}

	async status(uploadId: string, signal?: AbortSignal): Promise<UploadStatus> {
		const raw = await this.#json<Omit<UploadStatus, 'state'> & { state: string }>(
			'GET',
			`/api/uploads/${encodeURIComponent(uploadId)}`,
			undefined,
			signal
		);
		const state = SERVER_STATES[raw.state];
		if (!state) throw new TransferError('server_rejected', `unknown upload state ${raw.state}`);
		return {
			uploadId: raw.uploadId,
			fileId: raw.fileId,
			state,
			size: raw.size,
			partSize: raw.partSize,
			partCount: raw.partCount,
			parts: raw.parts.map((p) => ({ partNumber: p.partNumber, size: p.size, etag: p.etag })),
			expiresAt: String(raw.expiresAt)
		};
	}

	signParts(
		uploadId: string,
		input: SignPartsInput,
		signal?: AbortSignal
	): Promise<{ parts: SignedPartUrl[] }> {
		return this.#json('POST', `/api/uploads/${encodeURIComponent(uploadId)}/parts`, input, signal);
	}

	async partDone(
		uploadId: string,
		partNumber: number,
		input: { etag: string; size: number; checksum?: string },
		signal?: AbortSignal
	): Promise<void> {
		const path = `/api/uploads/${encodeURIComponent(uploadId)}/parts/${partNumber}/done`;
		await this.#json('POST', path, input, signal);
	}

	complete(
		uploadId: string,
		input: CompleteUploadInput,
		signal?: AbortSignal
	): Promise<{ file: UploadedFile }> {
		return this.#json(
			'POST',
			`/api/uploads/${encodeURIComponent(uploadId)}/complete`,
			input,
			signal
		);
	}

	async abort(uploadId: string, signal?: AbortSignal): Promise<void> {
		try {
			await this.#json('DELETE', `/api/uploads/${encodeURIComponent(uploadId)}`, undefined, signal);
		} catch (error) {
			// Already gone is what we wanted.
			if ((error as TransferError).code === 'upload_gone') return;
			throw error;
		}
	}

	async #json<T>(
		method: 'GET' | 'POST' | 'DELETE',
		path: string,
		body: unknown,
		signal: AbortSignal | undefined
	): Promise<T> {
		const deadline = AbortSignal.timeout(this.#timeoutMs);
		const combined = signal ? AbortSignal.any([signal, deadline]) : deadline;
		let response: Response;
		try {
			response = await this.#fetch(this.#base + path, {
				method,
				headers: body === undefined ? {} : { 'content-type': 'application/json' },
				...(body !== undefined && { body: JSON.stringify(body) }),
				credentials: 'same-origin',
				signal: combined,
				// Part PUTs fill the browser's 6 connections to this host; signing and part-done
				// calls must not queue behind them (Chromium honours fetch priority in that queue).
				...({ priority: 'high' } as RequestInit)
			});
		} catch (error) {
			if (signal?.aborted) throw error;
			if (deadline.aborted) {
				throw new TransferError('timeout', `${method} ${path} took too long`, { cause: error });
			}
			throw new TransferError('network', 'no answer from the server', { cause: error });
		}
		if (!response.ok) throw await errorFor(response);
		if (response.status === 204) return undefined as T;
		const text = await response.text();
		try {
			return (text === '' ? undefined : JSON.parse(text)) as T;
		} catch (error) {
			throw new TransferError('server_rejected', 'the server answered with invalid JSON', {
				cause: error
			});
		}
	}
}
