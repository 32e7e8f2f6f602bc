import fs from 'node:fs';
import path from 'node:path';
import { parseStorageSettings, type ProviderConfig, type StorageSettings } from './config';
import { LocalDiskProvider } from './local-disk';
import { StorageRegistry, type RegisteredProvider } from './registry';
import { S3Provider } from './s3';

export { StorageError, isStorageError, type StorageErrorCode } from './errors';
export { StorageConfigError, type StorageSettings, type ProviderConfig } from './config';
export { LocalDiskProvider } from './local-disk';
export { S3Provider } from './s3';
export { StorageRegistry, type ProviderHealth } from './registry';
export { handleLocalStorageRequest } from './local-disk-web';
export { handleLocalStorageNode } from './local-disk-node';
export type * from './types';

export interface StorageEnvironment {
	dataDir: string;
	storageSigningSecret: string;
	/** config.storageConfigFile (FERRY_STORAGE_CONFIG, already resolved). */
	storageConfigFile: string | null;
	env: Record<string, string | undefined>;
	/** config.origin: local URLs are built on it when a caller passes no origin. */
	origin?: string | null;
}

export interface Storage {
	settings: StorageSettings;
	registry: StorageRegistry;
	/** The local provider a `/storage/local/<id>/...` URL names, or null. */
	getLocalProvider(id: string): LocalDiskProvider | null;
}

/** Reads FERRY_STORAGE_CONFIG's file (if any) and the environment. */
export function loadStorageSettings(
	environment: Pick<StorageEnvironment, 'storageConfigFile' | 'env'>
): StorageSettings {
	const filePath = environment.storageConfigFile;
	let fileText: string | null = null;
	if (filePath !== null) {
		try {
			fileText = fs.readFileSync(filePath, 'utf8');
		} catch {
			fileText = null;
		}
	}
	return parseStorageSettings({ env: environment.env, filePath, fileText });
}

export function createProvider(
	config: ProviderConfig,
	environment: Pick<StorageEnvironment, 'dataDir' | 'storageSigningSecret' | 'origin'>
): LocalDiskProvider | S3Provider {
	if (config.kind === 'local') {
		const root =
			config.dir === null
				? path.join(environment.dataDir, 'storage')
				: path.resolve(environment.dataDir, config.dir);
		return new LocalDiskProvider({
			id: config.id,
			root,
			signingSecret: environment.storageSigningSecret,
			defaultOrigin: environment.origin ?? undefined
		});
	}
	return new S3Provider({
		id: config.id,
		endpoint: config.endpoint,
		region: config.region,
		bucket: config.bucket,
		forcePathStyle: config.forcePathStyle,
		accessKeyId: config.accessKeyId,
		secretAccessKey: config.secretAccessKey,
		equalPartSizes: config.equalPartSizes,
		checksums: config.checksums,
		serverSideEncryption: config.serverSideEncryption
	});
}

export function createStorage(environment: StorageEnvironment): Storage {
	const settings = loadStorageSettings(environment);
	const entries: RegisteredProvider[] = settings.providers.map((config) => ({
		id: config.id,
		priority: config.priority,
		weight: config.weight,
		provider: createProvider(config, environment)
	}));
	const registry = new StorageRegistry(entries, {
		healthCheckIntervalMs: settings.healthCheckIntervalMs
	});
	const locals = new Map(
		entries.flatMap((e) =>
			e.provider instanceof LocalDiskProvider ? [[e.id, e.provider] as const] : []
		)
	);
	return { settings, registry, getLocalProvider: (id) => locals.get(id) ?? null };
}

let storage: Storage | null = null;

/**
 * The app's storage, created on first use; a bad configuration throws here,
 * so calling it from the server's init hook stops start-up with the message.
 * Health checks start in the background (providers count as healthy until
 * their first check says otherwise).
 */
export function getStorage(environment: StorageEnvironment): Storage {
	if (storage) return storage;
	storage = createStorage(environment);
	void storage.registry.start();
	return storage;
}
