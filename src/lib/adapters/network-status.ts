import type { NetworkStatus } from '$lib/ports';

export interface SettableNetworkStatus extends NetworkStatus {
	/**
	 * Another context's view (the page tells the upload worker): DevTools network emulation and
	 * some platforms change `navigator.onLine` in the page before, or instead of, the worker.
	 */
	set(online: boolean): void;
}

/** navigator.onLine plus online/offline events of `target` (window or worker scope). */
export function createNetworkStatus(
	target: Pick<EventTarget, 'addEventListener'> = globalThis
): SettableNetworkStatus {
	let online = typeof navigator === 'undefined' ? true : navigator.onLine;
	const listeners = new Set<(online: boolean) => void>();
	const set = (value: boolean): void => {
		if (value === online) return;
		online = value;
		for (const listener of [...listeners]) listener(value);
	};
	target.addEventListener('online', () => set(true));
	target.addEventListener('offline', () => set(false));
	return {
		isOnline: () => online,
		onChange(listener) {
			listeners.add(listener);
			return () => listeners.delete(listener);
		},
		set
	};
}
