/**
 * The browser's way to call Ferry's JSON API. Failures become an
 * `ApiRequestError` with the server's `code` (or `network` when no answer came
 * back), so callers and `handleError` branch on codes, never on message text.
 */

export interface ApiErrorBody {
	error: { code: string; message: string };
}

export class ApiRequestError extends Error {
	constructor(
		readonly status: number,
		readonly code: string,
		message: string
	) {
		super(message);
		this.name = 'ApiRequestError';
	}
}

function isApiErrorBody(value: unknown): value is ApiErrorBody {
	const error = (value as { error?: unknown } | null)?.error as { code?: unknown; message?: unknown } | undefined;
	return typeof error?.code === 'string' && typeof error.message === 'string';
}

/** Calls `path` on this origin; resolves with the parsed JSON body (undefined for 204). */
export async function api<T = unknown>(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<T> {
	let response: Response;
	try {
		response = await fetch(path, {
			method,
			headers: body === undefined ? {} : { 'content-type': 'application/json' },
			body: body === undefined ? undefined : JSON.stringify(body),
			credentials: 'same-origin'
		});
	} catch {
		throw new ApiRequestError(0, 'network', 'No answer from the server.');
	}
	const text = await response.text();
	let parsed: unknown = undefined;
	if (text) {
		try {
			parsed = JSON.parse(text);
		} catch {
			parsed = undefined;
		}
	}
	if (!response.ok) {
		if (isApiErrorBody(parsed)) throw new ApiRequestError(response.status, parsed.error.code, parsed.error.message);
		throw new ApiRequestError(response.status, response.status >= 500 ? 'server_error' : 'http_error', `HTTP ${response.status}`);
	}
	return parsed as T;
}
