import { sql } from 'drizzle-orm';
import { getContext } from './context';
import type { Db } from './db';
import { storageProviders } from './db/schema';
import type { ProviderHealth } from './storage/registry';
import { registerJob } from './jobs';
import { registryAccess } from './storage-access';
import { getStorage, type Storage } from './storage';
import { cleanupExpiredUploads, type UploadDeps } from './uploads';

let deps: UploadDeps | null = null;

/** The app's storage providers, configured from the server's settings (one instance per process). */
export function getAppStorage(): Storage {
	const { config, secrets } = getContext();
	return getStorage({
		dataDir: config.dataDir,
		storageSigningSecret: secrets.storageSigningSecret,
		storageConfigFile: config.storageConfigFile,
		env: process.env,
		origin: config.origin
	});
}

/** The upload and file services' dependencies, wired once per process. */
export function getUploadDeps(): UploadDeps {
	if (deps) return deps;
	const { db, config } = getContext();
	const { registry } = getAppStorage();
	syncProviderRows(db, registry.listProviderHealth());
	deps = {
		db,
		storage: registryAccess(registry),
		uploadExpiryDays: config.uploadExpiryDays,
		partUrlTtlSeconds: config.partUrlTtlSeconds,
		defaultQuotaBytes: config.defaultQuotaBytes
	};
	const ready = deps;
	registerJob({ name: 'expired-upload-cleanup', intervalMs: 15 * 60 * 1000, run: () => cleanupExpiredUploads(ready).then(() => undefined) });
	return deps;
}

/** Uploads and files reference their provider by id; keep a row for each configured one. */
export function syncProviderRows(db: Db, providers: ProviderHealth[]): void {
	for (const p of providers) {
		db.insert(storageProviders)
			.values({ id: p.id, kind: p.kind, priority: p.priority, weight: p.weight, isHealthy: p.healthy !== false, lastHealthCheckAt: p.lastCheckAt, lastHealthError: p.lastError })
			.onConflictDoUpdate({
				target: storageProviders.id,
				set: { kind: p.kind, priority: p.priority, weight: p.weight, isHealthy: p.healthy !== false, lastHealthCheckAt: p.lastCheckAt ?? sql`${storageProviders.lastHealthCheckAt}`, lastHealthError: p.lastError }
			})
			.run();
	}
}
