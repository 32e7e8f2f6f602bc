/**
 * What pages and the service worker say to each other about uploads without a tab
 * (src/service-worker/background-uploads.ts). Plain data only: it crosses postMessage.
 */

/**
 * Background Sync tags. Pages register the first; the service worker alternates between them
 * to ask for its next grant while the current one still runs (a tag that is firing is only
 * fired again after its event ends).
 */
export const SYNC_TAGS = ['ferry-uploads', 'ferry-uploads-relay'] as const;
export type SyncTag = (typeof SYNC_TAGS)[number];

/** A page going away (its transfers need a new driver) or the network coming back. */
export interface UploadsMessage {
	readonly type: 'ferry:uploads';
	readonly reason: 'page-leaving' | 'online';
}

export function isUploadsMessage(data: unknown): data is UploadsMessage {
	return (data as { type?: unknown } | null)?.type === 'ferry:uploads';
}

export function isSyncTag(tag: string): tag is SyncTag {
	return (SYNC_TAGS as readonly string[]).includes(tag);
}
