import type { Handle, HandleServerError, ServerInit } from '@sveltejs/kit';
import { building } from '$app/environment';
import {
	SESSION_COOKIE,
	cookieShouldBeSecure,
	deleteSessionCookie,
	setSessionCookie,
	validateApiToken,
	validateSessionToken
} from '$lib/server/auth';
import { getContext } from '$lib/server/context';
import { ApiError, errorResponse } from '$lib/server/http';
import { startBackgroundJobs } from '$lib/server/jobs';
import { getAppStorage } from '$lib/server/services';
import { handleLocalStorageNode } from '$lib/server/storage';
import type { IncomingMessage, ServerResponse } from 'node:http';

export const init: ServerInit = async () => {
	// Prerendering (the offline page) runs hooks at build time: no database then.
	if (building) return;
	// Fail at start-up, not at the first request, when configuration is wrong.
	getContext();
	startBackgroundJobs();
	registerNodeFastPath();
};

/**
 * server/index.js (the production entry) looks this up after importing the
 * handler and calls it before SvelteKit for every request: local storage
 * part bodies then never pass through the Web-stream bridge.
 */
function registerNodeFastPath(): void {
	const fastPath = (req: IncomingMessage, res: ServerResponse) =>
		handleLocalStorageNode((id) => getAppStorage().getLocalProvider(id), req, res);
	(globalThis as Record<symbol, unknown>)[Symbol.for('ferry.node-fast-path')] = fastPath;
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export const handle: Handle = async ({ event, resolve }) => {
	event.locals.user = null;
	event.locals.sessionId = null;
	event.locals.authMethod = null;
	// Storage URLs carry their own signature; part PUTs are a hot path that needs no session lookup.
	if (building || event.url.pathname.startsWith('/storage/')) return resolve(event);
	const { db, config } = getContext();

	const authorization = event.request.headers.get('authorization');
	if (authorization?.startsWith('Bearer ')) {
		const user = validateApiToken(db, authorization.slice(7).trim());
		if (!user) {
			return errorResponse(
				new ApiError(401, 'invalid_token', 'The API token is not valid or has been revoked.')
			);
		}
		event.locals.user = user;
		event.locals.authMethod = 'token';
	} else {
		const token = event.cookies.get(SESSION_COOKIE);
		if (token) {
			const secure = cookieShouldBeSecure(event.url);
			const { session, user } = validateSessionToken(db, token, config.sessionDays);
			if (session) {
				setSessionCookie(event.cookies, token, session.expiresAt, secure);
				event.locals.user = user;
				event.locals.sessionId = session.id;
				event.locals.authMethod = 'cookie';
			} else {
				deleteSessionCookie(event.cookies, secure);
			}
		}
		// A browser only sends the cookie; refuse cross-site JSON calls that ride on it.
		if (
			event.url.pathname.startsWith('/api/') &&
			UNSAFE.has(event.request.method) &&
			isCrossSite(event.request, event.url)
		) {
			return errorResponse(
				new ApiError(403, 'cross_site_request', 'Cross-site requests to the API are refused.')
			);
		}
	}
	return resolve(event);
};

function isCrossSite(request: Request, url: URL): boolean {
	const site = request.headers.get('sec-fetch-site');
	if (site) return site !== 'same-origin' && site !== 'none';
	const origin = request.headers.get('origin');
	return origin !== null && origin !== url.origin;
}

export const handleError: HandleServerError = ({ error, status, message }) => {
	if (status >= 500) console.error(error);
	return {
		message: status >= 500 ? 'Something went wrong on our side; please try again.' : message
	};
};
