import { isSwRequest, type SwResponse } from '$lib/core/protocol-sw';

export interface MessageDeps {
	version: string;
	skipWaiting: () => Promise<void>;
}

/**
 * Answers one message from a page. Returns the reply to post on the message's
 * port, or null when the request expects none.
 */
export async function handleMessage(data: unknown, deps: MessageDeps): Promise<SwResponse | null> {
	if (!isSwRequest(data)) {
		const requestId =
			typeof (data as { requestId?: unknown } | null)?.requestId === 'string'
				? (data as { requestId: string }).requestId
				: null;
		return requestId === null
			? null
			: {
					type: 'ERROR',
					requestId,
					code: 'unknown_message',
					message: 'The service worker does not know this message type.'
				};
	}
	switch (data.type) {
		case 'SKIP_WAITING':
			await deps.skipWaiting();
			return null;
		case 'GET_VERSION':
			return { type: 'VERSION', requestId: data.requestId, version: deps.version };
	}
}
