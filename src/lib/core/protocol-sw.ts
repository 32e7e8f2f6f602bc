/**
 * Messages between the page and the service worker.
 *
 * Requests carry a `requestId` so an answer can be matched to its question even
 * when several are in flight; answers go back on the MessageChannel port the
 * request came with (workbox-window's `messageSW` sets one up). The one
 * exception is `SKIP_WAITING` as sent by workbox-window's `messageSkipWaiting()`,
 * which has no `requestId` and expects no answer.
 *
 * Structured clone keeps only plain data, so receivers check `type` with the
 * guards below instead of trusting what arrives.
 */

export type SwRequest =
	{ type: 'SKIP_WAITING'; requestId?: string } | { type: 'GET_VERSION'; requestId: string };

export type SwResponse =
	| { type: 'VERSION'; requestId: string; version: string }
	| { type: 'ERROR'; requestId: string; code: 'unknown_message'; message: string };

export type SwRequestType = SwRequest['type'];

const REQUEST_TYPES: ReadonlySet<string> = new Set<SwRequestType>(['SKIP_WAITING', 'GET_VERSION']);

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null;
}

export function isSwRequest(value: unknown): value is SwRequest {
	if (!isRecord(value) || typeof value.type !== 'string' || !REQUEST_TYPES.has(value.type))
		return false;
	if (value.type === 'SKIP_WAITING')
		return value.requestId === undefined || typeof value.requestId === 'string';
	return typeof value.requestId === 'string';
}

export function isSwResponse(value: unknown): value is SwResponse {
	if (!isRecord(value) || typeof value.requestId !== 'string') return false;
	if (value.type === 'VERSION') return typeof value.version === 'string';
	if (value.type === 'ERROR')
		return typeof value.code === 'string' && typeof value.message === 'string';
	return false;
}

/** A request id unique enough for one page's lifetime. */
export function newRequestId(): string {
	return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
}
