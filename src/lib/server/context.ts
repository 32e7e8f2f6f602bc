import { openDatabase, type Db } from './db';
import { parseConfig, type FerryConfig } from './config';
import { loadOrCreateSecrets, type FerrySecrets } from './secrets';

export interface ServerContext {
	config: FerryConfig;
	secrets: FerrySecrets;
	db: Db;
}

let context: ServerContext | null = null;

/**
 * The server's configuration, secrets and database, created on first use (the
 * `init` hook calls it at start-up so a bad setting stops the server at once).
 */
export function getContext(): ServerContext {
	if (context) return context;
	const config = parseConfig(process.env);
	const secrets = loadOrCreateSecrets(config.dataDir, config);
	const db = openDatabase(config.dataDir);
	context = { config, secrets, db };
	return context;
}
