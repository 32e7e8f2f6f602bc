import Database from 'better-sqlite3';
import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { ApiClient, newUser } from '../helpers/api-client';

const baseUrl = inject('ferryUrl');
const dataDir = inject('ferryDataDir');

describe('accounts and sessions', () => {
	it('signs up, returns the user and sets an HttpOnly SameSite=Lax session cookie', async () => {
		const client = new ApiClient(baseUrl);
		const response = await client.post('/api/auth/signup', {
			email: `Fresh-${Date.now()}@Example.test`,
			password: 'a long enough password',
			name: 'Fresh'
		});
		expect(response.status).toBe(201);
		const body = (await response.json()) as { user: { email: string; name: string } };
		expect(body.user.email).toMatch(/^fresh-\d+@example\.test$/);
		const cookie = response.headers.getSetCookie().find((c) => c.startsWith('ferry_session='));
		expect(cookie).toMatch(/HttpOnly/i);
		expect(cookie).toMatch(/SameSite=Lax/i);
		expect((await client.get('/api/auth/me')).status).toBe(200);
	});

	it('stores only the SHA-256 of session tokens and argon2id password hashes', async () => {
		const { client, id } = await newUser(baseUrl);
		const token = client.cookie('ferry_session')!;
		const db = new Database(path.join(dataDir, 'ferry.sqlite'), { readonly: true });
		const rows = db.prepare('select id from sessions where user_id = ?').all(id) as { id: string }[];
		const user = db.prepare('select password_hash from users where id = ?').get(id) as { password_hash: string };
		db.close();
		expect(rows.length).toBe(1);
		expect(rows[0]!.id).not.toBe(token);
		expect(rows[0]!.id).toMatch(/^[0-9a-f]{64}$/);
		expect(user.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
	});

	it('refuses a duplicate email and invalid input with a 4xx that says what to fix', async () => {
		const { email } = await newUser(baseUrl);
		const client = new ApiClient(baseUrl);
		const dup = await client.json<{ error: { code: string } }>('POST', '/api/auth/signup', { email, password: 'another password', name: 'X' });
		expect(dup.status).toBe(409);
		expect(dup.body.error.code).toBe('email_taken');
		const short = await client.json<{ error: { code: string; message: string } }>('POST', '/api/auth/signup', { email: 'a@b.test', password: 'short', name: 'X' });
		expect(short.status).toBe(400);
		expect(short.body.error.message).toMatch(/at least 10 characters/);
		const notJson = await client.request('POST', '/api/auth/signup', 'email=x', { 'content-type': 'text/plain', origin: baseUrl });
		expect(notJson.status).toBe(415);
		const broken = await client.request('POST', '/api/auth/signup', '{"email":', {});
		expect(broken.status).toBe(400);
	});

	it('refuses a wrong password without saying whether the account exists', async () => {
		const { email } = await newUser(baseUrl);
		const client = new ApiClient(baseUrl);
		const wrong = await client.json<{ error: { code: string } }>('POST', '/api/auth/login', { email, password: 'not the password' });
		const unknown = await client.json<{ error: { code: string } }>('POST', '/api/auth/login', { email: `nobody-${Date.now()}@example.test`, password: 'whatever123' });
		expect(wrong.status).toBe(401);
		expect(unknown.status).toBe(401);
		expect(wrong.body.error.code).toBe(unknown.body.error.code);
		expect(client.cookie('ferry_session')).toBeUndefined();
	});

	it('rate-limits failed sign-ins per account with a clear "try again in N s"', async () => {
		const { email, password } = await newUser(baseUrl);
		const client = new ApiClient(baseUrl);
		let last: { status: number; body: { error: { message: string } } } | null = null;
		for (let i = 0; i < 11; i++) {
			last = await client.json('POST', '/api/auth/login', { email, password: `wrong-${i}-password` });
		}
		expect(last!.status).toBe(429);
		expect(last!.body.error.message).toMatch(/try again in \d+ s/);
		// Even the right password is refused while the account is locked.
		const right = await client.request('POST', '/api/auth/login', { email, password });
		expect(right.status).toBe(429);
		expect(Number(right.headers.get('retry-after'))).toBeGreaterThan(0);
	});

	it('signs out on the server: the old cookie no longer works', async () => {
		const { client } = await newUser(baseUrl);
		const token = client.cookie('ferry_session')!;
		expect((await client.post('/api/auth/logout')).status).toBe(204);
		const replay = new ApiClient(baseUrl);
		replay.setCookie('ferry_session', token);
		expect((await replay.get('/api/auth/me')).status).toBe(401);
	});

	it('"sign out everywhere" ends every session of the user', async () => {
		const { client, email, password } = await newUser(baseUrl);
		const other = new ApiClient(baseUrl);
		expect((await other.post('/api/auth/login', { email, password })).status).toBe(200);
		expect((await client.post('/api/auth/logout-everywhere')).status).toBe(204);
		expect((await other.get('/api/auth/me')).status).toBe(401);
		expect((await client.get('/api/auth/me')).status).toBe(401);
	});

	it('treats an expired session as signed out and deletes it', async () => {
		const { client, id } = await newUser(baseUrl);
		const db = new Database(path.join(dataDir, 'ferry.sqlite'));
		db.prepare('update sessions set expires_at = ? where user_id = ?').run(Date.now() - 1000, id);
		expect((await client.get('/api/auth/me')).status).toBe(401);
		const left = db.prepare('select count(*) as n from sessions where user_id = ?').get(id) as { n: number };
		db.close();
		expect(left.n).toBe(0);
	});

	it('extends a session that is past half its lifetime (sliding expiry)', async () => {
		const { client, id } = await newUser(baseUrl);
		const db = new Database(path.join(dataDir, 'ferry.sqlite'));
		const soon = Date.now() + 2 * 24 * 3600 * 1000;
		db.prepare('update sessions set expires_at = ? where user_id = ?').run(soon, id);
		expect((await client.get('/api/auth/me')).status).toBe(200);
		const row = db.prepare('select expires_at from sessions where user_id = ?').get(id) as { expires_at: number };
		db.close();
		expect(row.expires_at).toBeGreaterThan(Date.now() + 29 * 24 * 3600 * 1000);
	});

	it('API tokens authenticate scripts, are stored hashed and stop working when revoked', async () => {
		const { client } = await newUser(baseUrl);
		const created = await client.json<{ id: string; token: string }>('POST', '/api/tokens', { name: 'cli' });
		expect(created.status).toBe(201);
		const script = new ApiClient(baseUrl);
		script.bearer = created.body.token;
		expect((await script.get('/api/rooms')).status).toBe(200);
		const db = new Database(path.join(dataDir, 'ferry.sqlite'), { readonly: true });
		const hit = db.prepare('select count(*) as n from api_tokens where token_hash = ?').get(created.body.token) as { n: number };
		db.close();
		expect(hit.n).toBe(0);
		expect((await client.delete(`/api/tokens/${created.body.id}`)).status).toBe(204);
		const after = await script.json<{ error: { code: string } }>('GET', '/api/rooms');
		expect(after.status).toBe(401);
		expect(after.body.error.code).toBe('invalid_token');
	});

	it("cannot revoke another user's token", async () => {
		const a = await newUser(baseUrl);
		const b = await newUser(baseUrl);
		const created = await a.client.json<{ id: string }>('POST', '/api/tokens', { name: 'mine' });
		expect((await b.client.delete(`/api/tokens/${created.body.id}`)).status).toBe(404);
	});

	it('refuses cross-site cookie-authenticated API calls', async () => {
		const { client } = await newUser(baseUrl);
		const response = await client.request('POST', '/api/rooms', { name: 'x' }, { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' });
		expect(response.status).toBe(403);
	});

	it('records sign-ins and failed sign-ins in the audit log with the IP', async () => {
		const { email, id } = await newUser(baseUrl);
		const client = new ApiClient(baseUrl);
		await client.post('/api/auth/login', { email, password: 'wrong password!' });
		await client.post('/api/auth/login', { email, password: 'correct horse battery staple' });
		const db = new Database(path.join(dataDir, 'ferry.sqlite'), { readonly: true });
		const rows = db.prepare("select action, actor_user_id, ip from audit_log where (actor_user_id = ? or details_json like ?) order by id").all(id, `%${email}%`) as { action: string; ip: string }[];
		db.close();
		expect(rows.map((r) => r.action)).toEqual(['signed_up', 'sign_in_failed', 'signed_in']);
		expect(rows.every((r) => r.ip === '127.0.0.1' || r.ip === '::ffff:127.0.0.1')).toBe(true);
	});
});
