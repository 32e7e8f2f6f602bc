/**
 * Messages between a page and the service worker about previews of encrypted
 * files. The page posts the raw file key with the registration; the service
 * worker keeps it in memory only (never in a URL, never sent anywhere), so a
 * restarted worker has forgotten it and the page registers again.
 */

import type { EncryptionHeader } from '../crypto';

/**
 * Where the service worker gets a presigned ciphertext URL, and again when it
 * expires: a same-origin endpoint answering `{ url, expiresAt }` (GET for room
 * members, POST with a JSON body for share recipients).
 */
export type UrlSource =
	| { readonly kind: 'get'; readonly endpoint: string }
	| { readonly kind: 'post'; readonly endpoint: string; readonly body: unknown };

export interface PreviewRegistration {
	readonly previewId: string;
	readonly key: Uint8Array<ArrayBuffer>;
	readonly header: EncryptionHeader;
	readonly contentType: string;
	readonly source: UrlSource;
}

export type PreviewRequest =
	| ({ readonly type: 'PREVIEW_REGISTER'; readonly requestId: string } & PreviewRegistration)
	| { readonly type: 'PREVIEW_FORGET'; readonly requestId: string; readonly previewId: string }
	| { readonly type: 'PREVIEW_HAS'; readonly requestId: string; readonly previewId: string };

export type PreviewResponse =
	| {
			readonly type: 'PREVIEW_OK';
			readonly requestId: string;
			readonly known: boolean;
			/** Ciphertext ranges [start, end) fetched for this preview (PREVIEW_HAS only). */
			readonly fetched?: [number, number][];
	  }
	| { readonly type: 'PREVIEW_ERROR'; readonly requestId: string; readonly message: string };

/** The same-origin path the service worker answers for a registered preview. */
export const PREVIEW_PATH_PREFIX = '/preview/';

export function previewPath(previewId: string): string {
	return `${PREVIEW_PATH_PREFIX}${encodeURIComponent(previewId)}`;
}

export function previewIdFromPath(pathname: string): string | null {
	if (!pathname.startsWith(PREVIEW_PATH_PREFIX)) return null;
	const id = decodeURIComponent(pathname.slice(PREVIEW_PATH_PREFIX.length));
	return /^[A-Za-z0-9_-]{8,64}$/.test(id) ? id : null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null;
}

function isUrlSource(value: unknown): value is UrlSource {
	if (!isRecord(value) || typeof value.endpoint !== 'string' || !value.endpoint.startsWith('/'))
		return false;
	return value.kind === 'get' || (value.kind === 'post' && 'body' in value);
}

export function isPreviewRequest(value: unknown): value is PreviewRequest {
	if (!isRecord(value) || typeof value.requestId !== 'string') return false;
	if (value.type === 'PREVIEW_FORGET' || value.type === 'PREVIEW_HAS')
		return typeof value.previewId === 'string';
	if (value.type !== 'PREVIEW_REGISTER') return false;
	return (
		typeof value.previewId === 'string' &&
		previewIdFromPath(previewPath(value.previewId)) === value.previewId &&
		value.key instanceof Uint8Array &&
		value.key.length === 32 &&
		isRecord(value.header) &&
		typeof value.contentType === 'string' &&
		isUrlSource(value.source)
	);
}

export function isPreviewResponse(value: unknown): value is PreviewResponse {
	if (!isRecord(value) || typeof value.requestId !== 'string') return false;
	if (value.type === 'PREVIEW_OK') return typeof value.known === 'boolean';
	return value.type === 'PREVIEW_ERROR' && typeof value.message === 'string';
}

/** A signed URL is used until shortly before it expires, then fetched again. */
export const URL_EXPIRY_MARGIN_MS = 30_000;

export function isUrlFresh(expiresAt: number, now: number): boolean {
	return now < expiresAt - URL_EXPIRY_MARGIN_MS;
}
