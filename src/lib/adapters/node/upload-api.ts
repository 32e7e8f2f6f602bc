import { TransferError } from '../../core/errors';
import type {
	CompleteUploadInput,
	CreateUploadInput,
	CreatedUpload,
	EncryptionDescriptor,
	RemotePart,
	RemoteUploadState,
	SignPartsInput,
	SignedPartUrl,
	UploadApi,
	UploadStatus,
	UploadedFile
} from '../../ports';
import { errorForFailedFetch, errorForResponse, readProblem } from './http';

/** How requests prove who they are: an API token, or a session cookie taken from a login. */
export type ApiAuth = { kind: 'bearer'; token: string } | { kind: 'cookie'; cookie: string };

export interface NodeUploadApiOptions {
	/** Ferry's origin, e.g. `https://ferry.example.com` (a trailing slash is ignored). */
	baseUrl: string;
	auth: ApiAuth;
	/** Deadline of each API request; a request past it fails with code 'timeout'. */
	timeoutMs?: number;
	/** Injected for tests; defaults to the global fetch. */
	fetch?: typeof fetch;
}

const DEFAULT_TIMEOUT_MS = 30_000;

/** Server state names -> the core's. 'completing' is still active: complete may be retried. */
const STATES: Readonly<Record<string, RemoteUploadState>> = {
	uploading: 'active',
	completing: 'active',
	completed: 'completed',
	aborted: 'aborted',
	expired: 'expired'
};

/**
 * The core's `Cipher.descriptor` is flat (the header fields plus optional opaque strings); the
 * API wants `{ header, wrappedKey?, encryptedMetadata? }`. This is the one place that knows both.
 */
export function encryptionForApi(descriptor: EncryptionDescriptor): Record<string, unknown> {
	const { wrappedKey, encryptedMetadata, version, recordSize, nonceBase, plaintextSize } =
		descriptor;
	return {
		header: { version, recordSize, nonceBase, plaintextSize },
		...(typeof wrappedKey === 'string' && { wrappedKey }),
		...(typeof encryptedMetadata === 'string' && { encryptedMetadata })
	};
}

/**
 * Ferry's upload API (docs/api.md "Uploads") over fetch, for Node (tests, a CLI).
 * Every failure is a TransferError whose code the core's retry policy understands.
 */
export class NodeUploadApi implements UploadApi {
	readonly #base: string;
	readonly #auth: ApiAuth;
	readonly #timeoutMs: number;
	readonly #fetch: typeof fetch;

	constructor(options: NodeUploadApiOptions) {
		this.#base = options.baseUrl.replace(/\/+$/, '');
		this.#auth = options.auth;
		this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
		this.#fetch = options.fetch ?? globalThis.fetch;
	}

	async create(input: CreateUploadInput, signal?: AbortSignal): Promise<CreatedUpload> {
		const { encryption, ...rest } = input;
		const body = { ...rest, ...(encryption && { encryption: encryptionForApi(encryption) }) };
		const created = await this.#call('POST', '/api/uploads', body, signal);
		return {
			uploadId: string(created, 'uploadId'),
			fileId: string(created, 'fileId'),
			partSize: number(created, 'partSize'),
			partCount: number(created, 'partCount'),
			expiresAt: string(created, 'expiresAt')
		};
	}

	async status(uploadId: string, signal?: AbortSignal): Promise<UploadStatus> {
		const body = await this.#call('GET', `/api/uploads/${enc(uploadId)}`, undefined, signal);
		const state = STATES[string(body, 'state')];
		if (!state) throw rejected(`unknown upload state ${String(body.state)}`);
		const parts = Array.isArray(body.parts) ? (body.parts as Record<string, unknown>[]) : [];
		return {
			uploadId: string(body, 'uploadId'),
			fileId: string(body, 'fileId'),
			state,
			size: number(body, 'size'),
			partSize: number(body, 'partSize'),
			partCount: number(body, 'partCount'),
			parts: parts.map((p): RemotePart => ({
				partNumber: number(p, 'partNumber'),
				size: number(p, 'size'),
				etag: string(p, 'etag')
			})),
			expiresAt: string(body, 'expiresAt')
		};
	}

	async signParts(
		uploadId: string,
		input: SignPartsInput,
		signal?: AbortSignal
	): Promise<{ parts: SignedPartUrl[] }> {
		const path = `/api/uploads/${enc(uploadId)}/parts`;
		const body = await this.#call('POST', path, input, signal);
		if (!Array.isArray(body.parts)) throw rejected('sign answer has no parts');
		return {
			parts: (body.parts as Record<string, unknown>[]).map((p) => ({
				partNumber: number(p, 'partNumber'),
				url: string(p, 'url'),
				method: 'PUT',
				headers: stringRecord(p.headers),
				expiresAt: string(p, 'expiresAt')
			}))
		};
	}

	async partDone(
		uploadId: string,
		partNumber: number,
		input: { etag: string; size: number; checksum?: string },
		signal?: AbortSignal
	): Promise<void> {
		const path = `/api/uploads/${enc(uploadId)}/parts/${partNumber}/done`;
		await this.#call('POST', path, input, signal);
	}

	async complete(
		uploadId: string,
		input: CompleteUploadInput,
		signal?: AbortSignal
	): Promise<{ file: UploadedFile }> {
		const body = await this.#call('POST', `/api/uploads/${enc(uploadId)}/complete`, input, signal);
		const file = body.file as Record<string, unknown> | undefined;
		if (!file || typeof file.id !== 'string') throw rejected('complete answer has no file');
		return { file: file as UploadedFile };
	}

	async abort(uploadId: string, signal?: AbortSignal): Promise<void> {
		try {
			await this.#call('DELETE', `/api/uploads/${enc(uploadId)}`, undefined, signal);
		} catch (error) {
			// Already aborted or expired: what abort wanted is true, so it is not an error.
			if ((error as TransferError).code !== 'upload_gone') throw error;
		}
	}

	async #call(
		method: 'GET' | 'POST' | 'DELETE',
		path: string,
		body: unknown,
		signal: AbortSignal | undefined
	): Promise<Record<string, unknown>> {
		const timeout = AbortSignal.timeout(this.#timeoutMs);
		const headers: Record<string, string> = { accept: 'application/json' };
		if (this.#auth.kind === 'bearer') headers.authorization = `Bearer ${this.#auth.token}`;
		else headers.cookie = this.#auth.cookie;
		if (body !== undefined) headers['content-type'] = 'application/json';
		let response: Response;
		try {
			response = await this.#fetch(this.#base + path, {
				method,
				headers,
				body: body === undefined ? null : JSON.stringify(body),
				signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
				redirect: 'error'
			});
		} catch (error) {
			// Paused or cancelled: the core looks at its own signal, so pass the error on as it is.
			if (signal?.aborted) throw error;
			throw errorForFailedFetch(error, timeout.aborted);
		}
		if (!response.ok) throw await this.#errorFor(response);
		const text = await response.text().catch((error: unknown) => {
			throw errorForFailedFetch(error, timeout.aborted);
		});
		if (text === '') return {};
		try {
			const parsed: unknown = JSON.parse(text);
			if (typeof parsed === 'object' && parsed !== null) return parsed as Record<string, unknown>;
		} catch {
			// Falls through: a proxy's HTML page is not an answer from Ferry.
		}
		throw rejected(`${method} ${path} did not answer JSON`);
	}

	async #errorFor(response: Response): Promise<TransferError> {
		const problem = await readProblem(response);
		const base = errorForResponse(response, problem);
		const options = {
			httpStatus: response.status,
			cause: problem,
			...(base.retryAfterMs !== undefined && { retryAfterMs: base.retryAfterMs })
		};
		if (response.status === 410 || problem.serverCode === 'upload_gone') {
			return new TransferError('upload_gone', problem.message, options);
		}
		// Another request is completing this upload: ask again shortly, it is not a refusal.
		if (problem.serverCode === 'completion_in_progress') {
			return new TransferError('rate_limited', problem.message, {
				...options,
				retryAfterMs: base.retryAfterMs ?? 2_000
			});
		}
		return new TransferError(base.code, `HTTP ${response.status} ${problem.serverCode}`, options);
	}
}

function enc(segment: string): string {
	return encodeURIComponent(segment);
}

function rejected(message: string): TransferError {
	return new TransferError('server_rejected', message);
}

function string(body: Record<string, unknown>, key: string): string {
	const value = body[key];
	if (typeof value !== 'string') throw rejected(`answer field ${key} is not a string`);
	return value;
}

function number(body: Record<string, unknown>, key: string): number {
	const value = body[key];
	if (typeof value !== 'number' || !Number.isFinite(value)) {
		throw rejected(`answer field ${key} is not a number`);
	}
	return value;
}

function stringRecord(value: unknown): Record<string, string> {
	if (typeof value !== 'object' || value === null) return {};
	const out: Record<string, string> = {};
	for (const [k, v] of Object.entries(value)) if (typeof v === 'string') out[k] = v;
	return out;
}
