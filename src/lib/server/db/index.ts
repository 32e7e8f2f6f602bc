import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import fs from 'node:fs';
import path from 'node:path';
import * as schema from './schema';

export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database };

/**
 * Opens (creating if needed) the SQLite database in the data folder and
 * applies pending migrations, so a fresh or an older database is ready to use.
 */
export function openDatabase(dataDir: string, migrationsDir = defaultMigrationsDir()): Db {
	fs.mkdirSync(dataDir, { recursive: true });
	const sqlite = new Database(path.join(dataDir, 'ferry.sqlite'));
	sqlite.pragma('journal_mode = WAL');
	sqlite.pragma('foreign_keys = ON');
	sqlite.pragma('busy_timeout = 5000');
	sqlite.pragma('synchronous = NORMAL');
	const db = drizzle(sqlite, { schema });
	if (!fs.existsSync(migrationsDir)) {
		throw new Error(
			`Database migrations not found at ${migrationsDir}; run Ferry from its folder or set FERRY_MIGRATIONS_DIR`
		);
	}
	migrate(db, { migrationsFolder: migrationsDir });
	return db as Db;
}

function defaultMigrationsDir(): string {
	return path.resolve(process.env.FERRY_MIGRATIONS_DIR || 'drizzle');
}
