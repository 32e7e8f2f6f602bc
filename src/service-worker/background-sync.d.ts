// Background Sync is in Chromium only, and TypeScript's WebWorker library does not declare it.
interface SyncManager {
	register(tag: string): Promise<void>;
	getTags(): Promise<string[]>;
}

interface SyncEvent extends ExtendableEvent {
	readonly tag: string;
	readonly lastChance: boolean;
}

interface ServiceWorkerRegistration {
	readonly sync: SyncManager;
}

interface ServiceWorkerGlobalScopeEventMap {
	sync: SyncEvent;
}
