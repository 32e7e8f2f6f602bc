import type { TransferState } from '$lib/core/upload';
import type { EngineEvent, TransferSummary } from '$lib/workers/upload-protocol';

/**
 * What Ferry tells the person outside the page: the app badge counts unfinished transfers,
 * and a notification says when one of this tab's uploads finished or failed while the page
 * was hidden (the person switched away from a long upload). Decisions here; the browser calls
 * are injected, so the rules are unit-tested.
 */

const UNFINISHED: ReadonlySet<TransferState['status']> = new Set([
	'queued',
	'preparing',
	'uploading',
	'paused',
	'waiting-for-network',
	'waiting-for-file',
	'completing'
]);

export const unfinishedCount = (summaries: readonly TransferSummary[]): number =>
	summaries.filter((t) => UNFINISHED.has(t.state.status)).length;

export interface NotificationPort {
	/** Notification permission is granted. */
	allowed(): boolean;
	/** The page is not being looked at. */
	hidden(): boolean;
	show(title: string, options: { body: string; tag: string; data: { url: string } }): Promise<void>;
}

export class FinishNotifier {
	readonly #last = new Map<string, TransferState['status']>();

	constructor(private readonly port: NotificationPort) {}

	/** Feed every event of this tab's own engine; returns the title shown, if any. */
	seen(event: EngineEvent): string | null {
		if (event.type === 'transfer:removed') {
			this.#last.delete(event.transferId);
			return null;
		}
		const t = event.transfer;
		const before = this.#last.get(t.transferId);
		this.#last.set(t.transferId, t.state.status);
		// Only a change seen here counts: a transfer listed already done after a reload is old news.
		if (before === undefined || before === t.state.status) return null;
		const ended = t.state.status === 'done' || t.state.status === 'failed';
		if (!ended || !this.port.allowed() || !this.port.hidden()) return null;
		const title = t.state.status === 'done' ? 'Upload finished' : 'Upload failed';
		const body =
			t.state.status === 'done'
				? `${t.name} is in the room.`
				: `${t.name} stopped: ${t.state.error.message}. Open Ferry to retry.`;
		void this.port
			.show(title, {
				body,
				tag: `ferry-transfer-${t.transferId}`,
				data: { url: `/rooms/${t.roomId}` }
			})
			.catch(() => {
				// A notification is a courtesy: the transfer list shows the same.
			});
		return title;
	}
}

/** The badge on the installed app's icon; nothing where the Badging API is missing. */
export async function showAppBadge(count: number): Promise<void> {
	if (typeof navigator === 'undefined' || !('setAppBadge' in navigator)) return;
	try {
		if (count > 0) await navigator.setAppBadge(count);
		else await navigator.clearAppBadge();
	} catch {
		// Not installed, or the platform refuses badges: nothing to show.
	}
}

/** The browser's side of NotificationPort, through the service worker registration. */
export const browserNotifications: NotificationPort = {
	allowed: () => typeof Notification !== 'undefined' && Notification.permission === 'granted',
	hidden: () => document.visibilityState === 'hidden',
	async show(title, options) {
		const registration = await navigator.serviceWorker?.getRegistration();
		if (registration)
			await registration.showNotification(title, { ...options, icon: '/icons/icon-192.png' });
		else new Notification(title, options);
	}
};
