import { Workbox } from 'workbox-window';
import { isSwResponse, newRequestId } from '$lib/core/protocol-sw';
import { swUpdate } from '$lib/state/sw-update.svelte';

let workbox: Workbox | null = null;

/**
 * Registers /service-worker.js and offers "Reload" when a new version waits.
 * SvelteKit builds the worker as a classic script and serves it as an ES module
 * in dev, hence the `type` switch (SvelteKit's service worker docs).
 */
export async function registerServiceWorker(): Promise<void> {
	if (!('serviceWorker' in navigator) || workbox) return;
	const wb = new Workbox('/service-worker.js', { type: import.meta.env.DEV ? 'module' : 'classic' });
	workbox = wb;
	wb.addEventListener('waiting', () => {
		swUpdate.offer(() => {
			// Reload once the new worker controls the page, not before: reloading
			// earlier would load the page from the old worker again.
			wb.addEventListener('controlling', () => window.location.reload());
			wb.messageSkipWaiting();
		});
	});
	await wb.register();
}

/** Asks the active service worker for its build version (null without one). */
export async function serviceWorkerVersion(): Promise<string | null> {
	if (!workbox) return null;
	const reply: unknown = await workbox.messageSW({ type: 'GET_VERSION', requestId: newRequestId() });
	return isSwResponse(reply) && reply.type === 'VERSION' ? reply.version : null;
}
