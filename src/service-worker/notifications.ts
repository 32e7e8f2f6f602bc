/// <reference lib="webworker" />
/**
 * A click on an "Upload finished" notification (src/lib/pwa/transfer-signals.ts) brings the
 * room forward: an open Ferry tab is focused and sent there, or a new one opens.
 */
export async function openFromNotification(
	sw: ServiceWorkerGlobalScope,
	notification: Notification
): Promise<void> {
	notification.close();
	const path = (notification.data as { url?: unknown } | null)?.url;
	const target = new URL(
		typeof path === 'string' && path.startsWith('/') ? path : '/',
		sw.location.origin
	);
	const open = await sw.clients.matchAll({ type: 'window', includeUncontrolled: true });
	const client = open.find((c) => new URL(c.url).origin === target.origin);
	if (client) {
		await client.focus();
		if (client.url !== target.href) await client.navigate(target.href);
		return;
	}
	await sw.clients.openWindow(target.href);
}
