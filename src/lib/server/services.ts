import { getContext } from './context';
import { registerJob } from './jobs';
import { registryAccess } from './storage-access';
import { getStorage } from './storage';
import { cleanupExpiredUploads, type UploadDeps } from './uploads';

let deps: UploadDeps | null = null;

/** The upload and file services' dependencies, wired once per process. */
export function getUploadDeps(): UploadDeps {
	if (deps) return deps;
	const { db, config, secrets } = getContext();
	const registry = getStorage({
		dataDir: config.dataDir,
		storageSigningSecret: secrets.storageSigningSecret,
		storageConfigFile: config.storageConfigFile,
		env: process.env
	});
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
