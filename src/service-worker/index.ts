/// <reference types="@sveltejs/kit" />
/// <reference no-default-lib="true"/>
/// <reference lib="esnext" />
/// <reference lib="webworker" />
// A thin service worker: it wires handlers; the logic lives in the modules it imports.
import { build, files, prerendered, version } from '$service-worker';
import { clientsClaim } from 'workbox-core';
import { cleanupOutdatedCaches, matchPrecache, precacheAndRoute } from 'workbox-precaching';
import { isSyncTag, isUploadsMessage } from '$lib/workers/background-protocol';
import { FinishNotifier } from '$lib/pwa/transfer-signals';
import { BackgroundRoomRelay } from './room-relay';
import { BackgroundUploads, GRANT_MS } from './background-uploads';
import { handleMessage } from './messages';
import { openFromNotification } from './notifications';
import { isPrecachedPath, respondToNavigation } from './navigation';
import {
	downloadStreamIdOf,
	handleDownloadStreamMessage,
	isDownloadStreamMessage,
	respondToDownloadStream
} from './download-stream';
import { handlePreviewMessage, isPreviewMessage, previewIdOf, respondToPreview } from './preview';

const sw = self as unknown as ServiceWorkerGlobalScope;

/** Prerendered in src/routes/offline; served when a navigation finds no network. */
const OFFLINE_PAGE = '/offline';

const precached = [...build, ...files, ...prerendered];
precacheAndRoute(
	precached.map((url) => ({ url, revision: version })),
	// SvelteKit's file names and our pages carry no tracking parameters; a query
	// string means a different request, so only exact URLs come from the cache.
	{ ignoreURLParametersMatching: [] }
);
cleanupOutdatedCaches();
// The first worker takes over the open page at once so it works offline
// without a reload; later versions wait for the user's "Reload" (SKIP_WAITING).
clientsClaim();

const precachedPaths = new Set(precached);

// Share downloads streamed to the browser's own download (./download-stream.ts); first, and
// it stops other listeners, because it is a navigation the offline handler would answer too.
sw.addEventListener('fetch', (event) => {
	const id = downloadStreamIdOf(event.request, sw.location.origin);
	if (id === null) return;
	event.stopImmediatePropagation();
	event.respondWith(respondToDownloadStream(id));
});

// Previews of encrypted files (./preview.ts); registered before navigation so it sees them first.
sw.addEventListener('fetch', (event) => {
	const previewId = previewIdOf(event.request, sw.location.origin);
	if (previewId !== null) event.respondWith(respondToPreview(event.request, previewId));
});

sw.addEventListener('fetch', (event) => {
	if (event.request.mode !== 'navigate') return;
	const url = new URL(event.request.url);
	if (url.origin !== sw.location.origin || isPrecachedPath(url, precachedPaths)) return;
	event.respondWith(
		respondToNavigation(event.request, {
			fetch: (request) => fetch(request),
			offlinePage: () => matchPrecache(OFFLINE_PAGE)
		})
	);
});

// Uploads without a tab (./background-uploads.ts): on Background Sync, when the last page goes
// away, when the network returns.
// The rooms hear about those uploads (./room-relay.ts), and the person gets the same "Upload
// finished" notification a tab would show, when no Ferry window is open.
let windowsOpen = 0;
const rooms = new BackgroundRoomRelay();
const notifier = new FinishNotifier({
	allowed: () => typeof Notification !== 'undefined' && Notification.permission === 'granted',
	hidden: () => windowsOpen === 0,
	show: (title, options) =>
		sw.registration.showNotification(title, { ...options, icon: '/icons/icon-192.png' })
});
const uploads = new BackgroundUploads({
	windowCount: async () => {
		windowsOpen = (await sw.clients.matchAll({ type: 'window' })).length;
		return windowsOpen;
	},
	registerSync: (tag) => sw.registration.sync.register(tag),
	log: (message) => console.info(`[ferry uploads] ${message}`),
	observer: {
		updated(summary) {
			rooms.update(summary);
			notifier.seen({ type: 'transfer:updated', transfer: summary });
		},
		released: (roomId, transferId) => rooms.forget(roomId, transferId)
	}
});

sw.addEventListener('sync', (event) => {
	if (!isSyncTag(event.tag)) return;
	const why = `sync '${event.tag}'${event.lastChance ? ' (last chance)' : ''}`;
	event.waitUntil(uploads.work(GRANT_MS.sync, why, { retryIfUnfinished: !event.lastChance }));
});

sw.addEventListener('message', (event) => {
	if (isUploadsMessage(event.data)) {
		const work = uploads.work(GRANT_MS.message, `message '${event.data.reason}'`);
		event.waitUntil(
			event.data.reason === 'page-leaving' ? Promise.all([uploads.pageLeaving(), work]) : work
		);
		return;
	}
	const port = event.ports[0];
	if (isDownloadStreamMessage(event.data)) return handleDownloadStreamMessage(event.data, port);
	event.waitUntil(
		(isPreviewMessage(event.data)
			? handlePreviewMessage(event.data)
			: handleMessage(event.data, { version, skipWaiting: () => sw.skipWaiting() })
		).then((reply) => {
			if (reply) port?.postMessage(reply);
		})
	);
});

sw.addEventListener('notificationclick', (event) => {
	event.waitUntil(openFromNotification(sw, event.notification));
});
