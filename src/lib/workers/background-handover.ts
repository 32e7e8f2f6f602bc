/**
 * The page's side of uploads that go on without a tab (src/service-worker/background-uploads.ts):
 * a Background Sync registration while a transfer is active or waits for the network, and a
 * message to the service worker when the page goes away or the network comes back. Both are
 * hints: a tab that still drives a transfer keeps its Web Lock, and the service worker only
 * takes transfers whose lock is free.
 */
import { SYNC_TAGS, type UploadsMessage } from './background-protocol';
import type { EngineEvent } from './upload-protocol';

type SyncRegistration = ServiceWorkerRegistration & {
	sync?: { register(tag: string): Promise<void> };
};

/** Set once the service worker is ready, so a leaving page can register without awaiting. */
let ready: SyncRegistration | null = null;

async function registerSync(): Promise<void> {
	try {
		const registration = (await navigator.serviceWorker.ready) as SyncRegistration;
		await registration.sync?.register(SYNC_TAGS[0]);
	} catch {
		// No Background Sync (Firefox, Safari) or not allowed: the page-leaving message remains.
	}
}

/**
 * Chromium accepts a sync only from a context with a window: the service worker cannot
 * register one once the last tab is gone, so the leaving page does it, synchronously (an
 * await here may never resume). The sync event outlives the page, and when it ends with
 * uploads left the service worker fails it, which makes Chromium retry it later.
 */
function registerSyncNow(): void {
	ready?.sync?.register(SYNC_TAGS[0]).catch(() => undefined);
}

function tellServiceWorker(reason: UploadsMessage['reason']): void {
	const message: UploadsMessage = { type: 'ferry:uploads', reason };
	navigator.serviceWorker?.controller?.postMessage(message);
}

/** Call once per page; returns the listener for this tab's engine events. */
export function startBackgroundHandover(): (event: EngineEvent) => void {
	if (!('serviceWorker' in navigator)) return () => undefined;
	void navigator.serviceWorker.ready.then((registration) => (ready = registration));
	let active = 0;
	const leaving = (): void => {
		if (active === 0) return;
		registerSyncNow();
		tellServiceWorker('page-leaving');
	};
	addEventListener('pagehide', leaving);
	document.addEventListener('visibilitychange', () => {
		if (document.visibilityState === 'hidden') leaving();
	});
	addEventListener('online', () => tellServiceWorker('online'));
	const statuses = new Map<string, string>();
	return (event) => {
		if (event.type === 'transfer:removed') {
			statuses.delete(event.transferId);
		} else {
			const { transferId, state } = event.transfer;
			const previous = statuses.get(transferId);
			statuses.set(transferId, state.status);
			// Once per change of state, not on every progress event.
			if (
				previous !== state.status &&
				(state.status === 'uploading' || state.status === 'waiting-for-network')
			) {
				void registerSync();
			}
		}
		active = [...statuses.values()].filter(
			(s) => s !== 'done' && s !== 'cancelled' && s !== 'failed'
		).length;
	};
}
