import { json, type RequestEvent } from '@sveltejs/kit';
import type { z } from 'zod';

/** A client mistake or refusal, answered as `{ error: { code, message } }`. */
export class ApiError extends Error {
	constructor(
		readonly status: number,
		readonly code: string,
		message: string,
		readonly headers: Record<string, string> = {}
	) {
		super(message);
		this.name = 'ApiError';
	}
}

export function errorResponse(error: ApiError): Response {
	return json(
		{ error: { code: error.code, message: error.message } },
		{ status: error.status, headers: error.headers }
	);
}

/** Wraps an API handler so ApiErrors become JSON answers with their status. */
export function api<E extends RequestEvent>(handler: (event: E) => Promise<Response> | Response) {
	return async (event: E): Promise<Response> => {
		try {
			return await handler(event);
		} catch (error) {
			if (error instanceof ApiError) return errorResponse(error);
			throw error;
		}
	};
}

const MAX_JSON_BYTES = 1024 * 1024;

/** Reads and validates a JSON body; every failure is a 4xx that says what to fix. */
export async function readJson<T extends z.ZodType>(request: Request, schema: T): Promise<z.infer<T>> {
	const type = request.headers.get('content-type') ?? '';
	if (!type.includes('application/json')) {
		throw new ApiError(415, 'unsupported_media_type', 'Send the request body as JSON (Content-Type: application/json).');
	}
	const length = Number(request.headers.get('content-length') ?? '0');
	if (length > MAX_JSON_BYTES) {
		throw new ApiError(413, 'body_too_large', 'The request body is larger than 1 MiB.');
	}
	const text = await request.text();
	if (text.length > MAX_JSON_BYTES) {
		throw new ApiError(413, 'body_too_large', 'The request body is larger than 1 MiB.');
	}
	let body: unknown;
	try {
		body = text === '' ? {} : JSON.parse(text);
	} catch {
		throw new ApiError(400, 'invalid_json', 'The request body is not valid JSON.');
	}
	return parseInput(schema, body);
}

export function parseInput<T extends z.ZodType>(schema: T, input: unknown): z.infer<T> {
	const result = schema.safeParse(input);
	if (!result.success) {
		const issue = result.error.issues[0];
		const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
		throw new ApiError(400, 'invalid_request', `${where}${issue?.message ?? 'invalid input'}`);
	}
	return result.data;
}

export function clientIp(event: RequestEvent): string | null {
	try {
		return event.getClientAddress();
	} catch {
		return null;
	}
}
