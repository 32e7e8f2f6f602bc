import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from './index';
import { users } from './schema';

const migrations = path.resolve(import.meta.dirname, '../../../../drizzle');
const dirs: string[] = [];
const tempDir = () => {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ferry-db-'));
	dirs.push(dir);
	return dir;
};
afterEach(() => {
	for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

describe('database migrations', () => {
	it('create every table on an empty database, with WAL and foreign keys on', () => {
		const db = openDatabase(tempDir(), migrations);
		const tables = (db.$client.prepare("select name from sqlite_master where type = 'table'").all() as { name: string }[]).map((t) => t.name);
		for (const table of ['users', 'sessions', 'api_tokens', 'rooms', 'room_members', 'room_invites', 'files', 'upload_sessions', 'upload_parts', 'shares', 'share_access_log', 'share_download_grants', 'audit_log', 'storage_providers']) {
			expect(tables).toContain(table);
		}
		expect(db.$client.pragma('journal_mode', { simple: true })).toBe('wal');
		expect(db.$client.pragma('foreign_keys', { simple: true })).toBe(1);
		db.$client.close();
	});

	it('reopen an existing database without losing data or re-running migrations', () => {
		const dir = tempDir();
		const first = openDatabase(dir, migrations);
		first.insert(users).values({ id: 'u1', email: 'a@b.test', displayName: 'A', passwordHash: 'x' }).run();
		const applied = first.$client.prepare('select count(*) as n from __drizzle_migrations').get() as { n: number };
		first.$client.close();
		const second = openDatabase(dir, migrations);
		expect(second.select().from(users).all()).toHaveLength(1);
		expect(second.$client.prepare('select count(*) as n from __drizzle_migrations').get()).toEqual(applied);
		second.$client.close();
	});

	it('refuse with a clear message when the migrations are missing', () => {
		expect(() => openDatabase(tempDir(), '/nonexistent/drizzle')).toThrow(/migrations not found.*FERRY_MIGRATIONS_DIR/);
	});
});
