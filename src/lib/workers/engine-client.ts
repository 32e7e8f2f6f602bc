import * as Comlink from 'comlink';
import { transfers } from '$lib/state/transfers.svelte';
import type { PickedFile } from '$lib/adapters/file/picked';
import { FinishNotifier, browserNotifications } from '$lib/pwa/transfer-signals';
import { startBackgroundHandover } from './background-handover';
import { TRANSFERS_CHANNEL, type EngineEvent, type UploadEngine } from './upload-protocol';

let engine: Comlink.Remote<UploadEngine> | null = null;

/**
 * The page's handle on its upload worker: one per page (navigating between rooms keeps the
 * same worker and its transfers), its events feeding `transfers`. Browser only.
 */
export function getUploadEngine(): Comlink.Remote<UploadEngine> {
	if (engine) return engine;
	const worker = new Worker(new URL('./upload-worker.ts', import.meta.url), {
		type: 'module',
		name: 'ferry-upload'
	});
	const remote = Comlink.wrap<UploadEngine>(worker);
	engine = remote;
	const notifier = new FinishNotifier(browserNotifications);
	// Hints for the service worker, which goes on uploading once this page is gone.
	const handover = startBackgroundHandover();
	void remote.subscribe(
		Comlink.proxy((event: EngineEvent) => {
			transfers.applyLocal(event);
			notifier.seen(event);
			handover(event);
		})
	);
	// Other tabs' workers and the service worker: same events, shown read-only.
	const channel = new BroadcastChannel(TRANSFERS_CHANNEL);
	channel.onmessage = (message: MessageEvent<EngineEvent>) => transfers.applyRemote(message.data);
	// DevTools emulation and some platforms flip navigator.onLine in the page only.
	const tell = (): void => void remote.setOnline(navigator.onLine);
	addEventListener('online', tell);
	addEventListener('offline', tell);
	tell();
	return remote;
}

/** On a room page: keep stored data from eviction, then resume this room's transfers. */
export async function resumeRoomTransfers(roomId: string): Promise<void> {
	try {
		await navigator.storage?.persist?.();
	} catch {
		// Best effort: without it, resume data may be evicted under storage pressure.
	}
	const summaries = await getUploadEngine().resumeRoom(roomId);
	transfers.replaceAll(roomId, summaries);
}

export async function sendFiles(
	roomId: string,
	files: PickedFile[],
	encrypt: boolean
): Promise<void> {
	if (files.length === 0) return;
	const summaries = await getUploadEngine().add(roomId, files, { encrypt });
	transfers.replaceAll(roomId, summaries);
}
