import http from 'node:http';
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { ApiClient, newUser } from '../helpers/api-client';
import { uploadSmallFile } from '../helpers/upload';

const baseUrl = inject('ferryUrl');
const dataDir = inject('ferryDataDir');
const USER_AGENT = 'ferry-share-test/1.0';

type Err = { error: { code: string; message: string } };
type Created = { id: string; token: string; url: string };
type Share = {
	id: string;
	fileId: string;
	createdAt: string;
	createdByUserId: string;
	expiresAt: string | null;
	maxDownloads: number | null;
	downloadCount: number;
	hasPassword: boolean;
	allowedIps: string[] | null;
	watermark: boolean;
	revokedAt: string | null;
	lastAccessAt: string | null;
	state: string;
};
type Info = {
	fileName: string | null;
	encryptedMetadata: string | null;
	size: number;
	contentType: string;
	sharedBy: string | null;
	expiresAt: string | null;
	requiresPassword: boolean;
	downloadsLeft: number | null;
	encrypted: boolean;
	encryption: { header: unknown } | null;
	watermark: string | null;
};
type Grant = { grant: string; url: string; expiresAt: string };

function bytes(size: number, seed = 1): Uint8Array<ArrayBuffer> {
	const out = new Uint8Array(new ArrayBuffer(size));
	let x = seed;
	for (let i = 0; i < size; i++) {
		x = (x * 1103515245 + 12345) & 0x7fffffff;
		out[i] = x >>> 16;
	}
	return out;
}

/** A recipient: no account, no cookies, a recognisable user agent. */
async function recipient<T = Record<string, unknown>>(method: string, path: string, body?: unknown) {
	const response = await fetch(baseUrl + path, {
		method,
		headers: { 'user-agent': USER_AGENT, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
		body: body === undefined ? undefined : JSON.stringify(body)
	});
	const text = await response.text();
	return { status: response.status, headers: response.headers, body: (text ? JSON.parse(text) : {}) as T };
}

const info = (token: string) => recipient<Info & Err>('GET', `/api/s/${token}`);
const download = (token: string, password?: string) => recipient<Grant & Err>('POST', `/api/s/${token}/download`, password === undefined ? {} : { password });

function unknownToken(method: 'GET' | 'POST', token: string, suffix = '') {
	return recipient<Err>(method, `/api/s/${token}${suffix}`, method === 'POST' ? {} : undefined);
}

async function setup(fileName = 'report.pdf', data = bytes(3000)) {
	const owner = await newUser(baseUrl, 'Olivia Owner');
	const room = await owner.client.json<{ id: string }>('POST', '/api/rooms', { name: 'Sharing' });
	const file = await uploadSmallFile(owner.client, room.body.id, data, fileName, { contentType: 'application/pdf' });
	return { owner, roomId: room.body.id, file, data };
}

async function share(client: ApiClient, fileId: string, options: Record<string, unknown> = {}): Promise<Created> {
	const res = await client.json<Created & Err>('POST', `/api/files/${fileId}/shares`, options);
	expect(res.status, JSON.stringify(res.body)).toBe(201);
	return res.body;
}

async function join(owner: ApiClient, roomId: string, role: 'member' | 'viewer', name: string) {
	const user = await newUser(baseUrl, name);
	const invite = await owner.json<{ token: string }>('POST', `/api/rooms/${roomId}/invites`, { role });
	expect((await user.client.json('POST', `/api/invites/${invite.body.token}/accept`)).status).toBe(200);
	return user;
}

async function outcomes(client: ApiClient, shareId: string): Promise<string[]> {
	const log = await client.json<{ entries: { outcome: string }[] }>('GET', `/api/shares/${shareId}/access-log`);
	expect(log.status).toBe(200);
	return log.body.entries.map((e) => e.outcome);
}

function withDb<T>(fn: (db: Database.Database) => T): T {
	const db = new Database(path.join(dataDir, 'ferry.sqlite'));
	try {
		return fn(db);
	} finally {
		db.close();
	}
}

describe('share links: creating and managing', () => {
	it('creates a link with every option and lists it for the file and the room', async () => {
		const { owner, roomId, file } = await setup();
		const expiresAt = new Date(Date.now() + 7 * 24 * 3600 * 1000);
		const created = await share(owner.client, file.id, {
			password: 'open sesame',
			expiresAt: expiresAt.toISOString(),
			maxDownloads: 5,
			allowedIps: ['127.0.0.0/8', '10.1.2.3/8', '2001:DB8::1/32', '::ffff:192.168.0.0/112', '203.0.113.7', '127.0.0.1/8'],
			watermark: true
		});
		expect(created.token).toMatch(/^[a-z2-7]{32}$/);
		expect(created.url).toBe(`${baseUrl}/s/${created.token}`);
		const listed = await owner.client.json<{ shares: Share[] }>('GET', `/api/files/${file.id}/shares`);
		expect(listed.status).toBe(200);
		expect(listed.body.shares).toEqual([
			{
				id: created.id,
				fileId: file.id,
				createdAt: expect.any(String),
				createdByUserId: owner.id,
				expiresAt: expiresAt.toISOString(),
				maxDownloads: 5,
				downloadCount: 0,
				hasPassword: true,
				allowedIps: ['127.0.0.0/8', '10.0.0.0/8', '2001:db8::/32', '192.168.0.0/16', '203.0.113.7'],
				watermark: true,
				revokedAt: null,
				lastAccessAt: null,
				state: 'active'
			}
		]);
		const byEpoch = await share(owner.client, file.id, { expiresAt: expiresAt.getTime() });
		const plain = await share(owner.client, file.id);
		const room = await owner.client.json<{ shares: Share[] }>('GET', `/api/rooms/${roomId}/shares`);
		expect(room.body.shares.map((s) => s.id).sort()).toEqual([created.id, byEpoch.id, plain.id].sort());
		const bare = room.body.shares.find((s) => s.id === plain.id)!;
		expect(bare).toMatchObject({ expiresAt: null, maxDownloads: null, hasPassword: false, allowedIps: null, watermark: false });
		expect(room.body.shares.find((s) => s.id === byEpoch.id)!.expiresAt).toBe(expiresAt.toISOString());
		const audit = await owner.client.json<{ entries: { action: string; targetId: string }[] }>('GET', `/api/rooms/${roomId}/audit`);
		expect(audit.body.entries.filter((e) => e.action === 'share_created').map((e) => e.targetId).sort()).toEqual([created.id, byEpoch.id, plain.id].sort());
	});

	it('refuses invalid options with a 400 that names the field', async () => {
		const { owner, file } = await setup();
		const now = Date.now();
		const bad: [unknown, RegExp][] = [
			[{ expiresAt: new Date(now - 1000).toISOString() }, /expiresAt.*future/],
			[{ expiresAt: now + 400 * 24 * 3600 * 1000 }, /expiresAt.*one year/],
			[{ expiresAt: 'next tuesday' }, /expiresAt/],
			[{ maxDownloads: 0 }, /maxDownloads/],
			[{ maxDownloads: 1_000_001 }, /maxDownloads/],
			[{ maxDownloads: 1.5 }, /maxDownloads/],
			[{ allowedIps: ['10.0.0.0/33'] }, /allowedIps\.0/],
			[{ allowedIps: ['127.0.0.1', 'intranet'] }, /allowedIps\.1/],
			[{ allowedIps: [] }, /allowedIps/],
			[{ allowedIps: Array.from({ length: 101 }, (_, i) => `10.0.0.${i}`) }, /allowedIps/],
			[{ password: '' }, /password/],
			[{ watermark: 'yes' }, /watermark/]
		];
		for (const [body, message] of bad) {
			const res = await owner.client.json<Err>('POST', `/api/files/${file.id}/shares`, body);
			expect(res.status, JSON.stringify(body)).toBe(400);
			expect(res.body.error.message, JSON.stringify(body)).toMatch(message);
		}
	});

	it('lets members and owners share; viewers get 403, outsiders 404, signed-out callers 401', async () => {
		const { owner, roomId, file } = await setup();
		const member = await join(owner.client, roomId, 'member', 'Max Member');
		const viewer = await join(owner.client, roomId, 'viewer', 'Vera Viewer');
		const outsider = await newUser(baseUrl, 'Otto Outsider');
		const anonymous = new ApiClient(baseUrl);
		const byOwner = await share(owner.client, file.id);
		const byMember = await share(member.client, file.id);

		for (const [method, path, body] of [
			['POST', `/api/files/${file.id}/shares`, {}],
			['GET', `/api/files/${file.id}/shares`, undefined],
			['GET', `/api/rooms/${roomId}/shares`, undefined]
		] as const) {
			expect((await viewer.client.json<Err>(method, path, body)).body.error?.code, `viewer ${method} ${path}`).toBe('forbidden');
			expect((await outsider.client.json(method, path, body)).status, `outsider ${method} ${path}`).toBe(404);
			expect((await anonymous.json(method, path, body)).status, `anonymous ${method} ${path}`).toBe(401);
		}
		for (const id of [byOwner.id, byMember.id]) {
			expect((await outsider.client.json<Err>('DELETE', `/api/shares/${id}`)).status).toBe(404);
			expect((await outsider.client.json<Err>('GET', `/api/shares/${id}/access-log`)).status).toBe(404);
			expect((await viewer.client.json<Err>('DELETE', `/api/shares/${id}`)).status).toBe(403);
			expect((await viewer.client.json<Err>('GET', `/api/shares/${id}/access-log`)).status).toBe(403);
			expect((await anonymous.json('DELETE', `/api/shares/${id}`)).status).toBe(401);
		}
		expect((await owner.client.json('DELETE', '/api/shares/nosuchshare')).status).toBe(404);
		// A member manages their own links, not other people's; the room owner manages all.
		expect((await member.client.json('GET', `/api/shares/${byOwner.id}/access-log`)).status).toBe(403);
		expect((await member.client.json('DELETE', `/api/shares/${byOwner.id}`)).status).toBe(403);
		expect((await member.client.json('GET', `/api/shares/${byMember.id}/access-log`)).status).toBe(200);
		expect((await member.client.json('GET', `/api/files/${file.id}/shares`)).status).toBe(200);
		expect((await owner.client.json('GET', `/api/shares/${byMember.id}/access-log`)).status).toBe(200);
		expect((await owner.client.json('DELETE', `/api/shares/${byMember.id}`)).status).toBe(204);
		expect((await member.client.json('DELETE', `/api/shares/${byMember.id}`)).status).toBe(204);
		expect((await info(byOwner.token)).status).toBe(200);
	});

	it('stores only hashes of the link token and the grant, and an argon2id password hash', async () => {
		const { owner, file } = await setup();
		const created = await share(owner.client, file.id, { password: 'hunter2 hunter2' });
		const granted = await download(created.token, 'hunter2 hunter2');
		expect(granted.status).toBe(200);
		withDb((db) => {
			const rows = db.prepare('select * from shares where id = ?').all(created.id) as Record<string, unknown>[];
			expect(rows.length).toBe(1);
			const dump = JSON.stringify(db.prepare('select * from shares').all()) + JSON.stringify(db.prepare('select * from share_download_grants').all());
			expect(dump).not.toContain(created.token);
			expect(dump).not.toContain(granted.body.grant);
			expect(dump).not.toContain('hunter2');
			expect(rows[0]!.token_hash).toBe(createHash('sha256').update(created.token).digest('hex'));
			expect(rows[0]!.password_hash).toMatch(/^\$argon2id\$/);
		});
	});
});

describe('share links: recipients', () => {
	it('gives a "watermark previews" link the recipient\'s address and the time to draw into previews', async () => {
		const { owner, file } = await setup('photo.png');
		const created = await share(owner.client, file.id, { watermark: true });
		const shown = await info(created.token);
		expect(shown.status).toBe(200);
		const text = shown.body.watermark ?? '';
		expect(text).toMatch(/^(::ffff:)?127\.0\.0\.1 · \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC$/);
	});

	it('shows the file before any password, downloads it with Range, and counts it once', async () => {
		const { owner, file, data } = await setup('Quarterly report.pdf');
		const created = await share(owner.client, file.id, { maxDownloads: 3 });
		const shown = await info(created.token);
		expect(shown.status).toBe(200);
		expect(shown.body).toEqual({
			fileName: 'Quarterly report.pdf',
			encryptedMetadata: null,
			size: data.length,
			contentType: 'application/pdf',
			sharedBy: 'Olivia Owner',
			expiresAt: null,
			requiresPassword: false,
			downloadsLeft: 3,
			encrypted: false,
			encryption: null,
			watermark: null
		});
		const before = Date.now();
		const granted = await download(created.token);
		expect(granted.status).toBe(200);
		expect(granted.body.grant).toMatch(/^[a-z2-7]{32}$/);
		const ttl = Date.parse(granted.body.expiresAt) - before;
		expect(ttl).toBeGreaterThan(9 * 60 * 1000);
		expect(ttl).toBeLessThanOrEqual(10 * 60 * 1000 + 1000);
		const whole = await fetch(granted.body.url);
		expect(whole.status).toBe(200);
		expect(whole.headers.get('content-disposition')).toContain('Quarterly report.pdf');
		expect(new Uint8Array(await whole.arrayBuffer())).toEqual(data);
		const ranged = await fetch(granted.body.url, { headers: { range: 'bytes=1000-1099' } });
		expect(ranged.status).toBe(206);
		expect(new Uint8Array(await ranged.arrayBuffer())).toEqual(data.subarray(1000, 1100));
		// Range requests do not count; the download was counted when the grant was issued.
		expect((await info(created.token)).body.downloadsLeft).toBe(2);
		const complete = (grant: string) => recipient<Err>('POST', `/api/s/${created.token}/grants/${grant}/complete`, {});
		expect((await complete(granted.body.grant)).status).toBe(204);
		const twice = await complete(granted.body.grant);
		expect(twice.status).toBe(409);
		expect(twice.body.error.code).toBe('grant_used');
		expect((await complete('notagrant')).body.error.code).toBe('grant_not_found');
		const listed = await owner.client.json<{ shares: Share[] }>('GET', `/api/files/${file.id}/shares`);
		expect(listed.body.shares[0]).toMatchObject({ downloadCount: 1, state: 'active' });
		expect(listed.body.shares[0]!.lastAccessAt).not.toBeNull();
		const log = await owner.client.json<{ entries: { at: string; ip: string; userAgent: string; outcome: string }[] }>('GET', `/api/shares/${created.id}/access-log`);
		expect(log.body.entries.map((e) => e.outcome)).toEqual(['ok', 'ok', 'ok']);
		for (const entry of log.body.entries) {
			expect(entry.ip).toMatch(/^(::ffff:)?127\.0\.0\.1$/);
			expect(entry.userAgent).toBe(USER_AGENT);
			expect(Number.isNaN(Date.parse(entry.at))).toBe(false);
		}
		const audit = await owner.client.json<{ entries: { action: string; targetId: string; actorUserId: string | null }[] }>('GET', `/api/rooms/${file.roomId}/audit`);
		expect(audit.body.entries.filter((e) => e.action === 'share_downloaded')).toEqual([expect.objectContaining({ targetId: created.id, actorUserId: null })]);
	});

	it('shows an encrypted file without its name or key, and still hands out the ciphertext', async () => {
		const owner = await newUser(baseUrl, 'Cara Crypto');
		const room = await owner.client.json<{ id: string }>('POST', '/api/rooms', { name: 'Secret' });
		const plaintextSize = 100;
		const ciphertext = bytes(plaintextSize + 16, 5);
		const header = { version: 1, recordSize: 65536, nonceBase: 'AAAAAAAAAAAAAAAA', plaintextSize };
		const file = await uploadSmallFile(owner.client, room.body.id, ciphertext, 'ciphertext-name', {
			encryption: { header, wrappedKey: 'wrapped-by-room-key', encryptedMetadata: 'opaque-metadata' }
		});
		const created = await share(owner.client, file.id);
		const shown = await info(created.token);
		expect(shown.status).toBe(200);
		expect(shown.body).toMatchObject({ fileName: null, encryptedMetadata: 'opaque-metadata', size: ciphertext.length, encrypted: true, encryption: { header } });
		expect(JSON.stringify(shown.body)).not.toContain('wrapped-by-room-key');
		expect(JSON.stringify(shown.body)).not.toContain('ciphertext-name');
		const granted = await download(created.token);
		expect(granted.status).toBe(200);
		const ranged = await fetch(granted.body.url, { headers: { range: 'bytes=0-15' } });
		expect(ranged.status).toBe(206);
		expect(new Uint8Array(await ranged.arrayBuffer())).toEqual(ciphertext.subarray(0, 16));
	});

	it('asks for the password: wrong or missing gets 401 and no grant, right gets the file', async () => {
		const { owner, file } = await setup();
		const created = await share(owner.client, file.id, { password: 'correct password' });
		expect((await info(created.token)).body.requiresPassword).toBe(true);
		const missing = await download(created.token);
		expect(missing.status).toBe(401);
		expect(missing.body.error.code).toBe('wrong_password');
		const wrong = await download(created.token, 'guess');
		expect(wrong.status).toBe(401);
		expect(wrong.body.error.code).toBe('wrong_password');
		expect(wrong.body).not.toHaveProperty('grant');
		expect(wrong.body).not.toHaveProperty('url');
		const right = await download(created.token, 'correct password');
		expect(right.status).toBe(200);
		expect(right.body.url).toMatch(/^http/);
		expect(await outcomes(owner.client, created.id)).toEqual(['ok', 'wrong_password', 'wrong_password', 'ok']);
		withDb((db) => {
			const grants = db.prepare('select count(*) as n from share_download_grants where share_id = ?').get(created.id) as { n: number };
			expect(grants.n).toBe(1);
		});
	});

	it('refuses an expired link with 410 expired', async () => {
		const { owner, file } = await setup();
		const created = await share(owner.client, file.id, { expiresAt: Date.now() + 3600 * 1000 });
		expect((await info(created.token)).status).toBe(200);
		withDb((db) => db.prepare('update shares set expires_at = ? where id = ?').run(Date.now() - 1000, created.id));
		for (const res of [await info(created.token), await download(created.token)]) {
			expect(res.status).toBe(410);
			expect(res.body.error.code).toBe('expired');
		}
		expect((await owner.client.json<{ shares: Share[] }>('GET', `/api/files/${file.id}/shares`)).body.shares[0]!.state).toBe('expired');
		expect(await outcomes(owner.client, created.id)).toEqual(['ok', 'expired', 'expired']);
	});

	it('expires on its own a moment after expiresAt', async () => {
		const { owner, file } = await setup();
		const created = await share(owner.client, file.id, { expiresAt: new Date(Date.now() + 1500).toISOString() });
		expect((await info(created.token)).status).toBe(200);
		await new Promise((resolve) => setTimeout(resolve, 1600));
		const late = await download(created.token);
		expect(late.status).toBe(410);
		expect(late.body.error.code).toBe('expired');
	});

	it('gives the last download to exactly one of two racing recipients', async () => {
		const { owner, file } = await setup();
		const created = await share(owner.client, file.id, { maxDownloads: 1 });
		const results = await Promise.all([download(created.token), download(created.token)]);
		expect(results.map((r) => r.status).sort()).toEqual([200, 410]);
		const loser = results.find((r) => r.status === 410)!;
		expect(loser.body.error.code).toBe('limit_reached');
		expect(loser.body).not.toHaveProperty('url');
		const after = await info(created.token);
		expect(after.status).toBe(410);
		expect(after.body.error.code).toBe('limit_reached');
		const log = await outcomes(owner.client, created.id);
		expect(log.slice(0, 2).sort()).toEqual(['limit_reached', 'ok']);
		expect(log.slice(2)).toEqual(['limit_reached']);
		expect((await owner.client.json<{ shares: Share[] }>('GET', `/api/files/${file.id}/shares`)).body.shares[0]).toMatchObject({ downloadCount: 1, state: 'used_up' });
	});

	it('hands out exactly maxDownloads grants to a crowd', async () => {
		const { owner, file } = await setup();
		const created = await share(owner.client, file.id, { maxDownloads: 3 });
		const results = await Promise.all(Array.from({ length: 12 }, () => download(created.token)));
		expect(results.filter((r) => r.status === 200).length).toBe(3);
		expect(results.filter((r) => r.status === 410 && r.body.error.code === 'limit_reached').length).toBe(9);
		withDb((db) => {
			const row = db.prepare('select download_count as n from shares where id = ?').get(created.id) as { n: number };
			expect(row.n).toBe(3);
		});
	});

	it('stops working the moment it is revoked', async () => {
		const { owner, roomId, file } = await setup();
		const created = await share(owner.client, file.id);
		expect((await download(created.token)).status).toBe(200);
		expect((await owner.client.json('DELETE', `/api/shares/${created.id}`)).status).toBe(204);
		for (const res of [await info(created.token), await download(created.token)]) {
			expect(res.status).toBe(410);
			expect(res.body.error.code).toBe('revoked');
		}
		const listed = await owner.client.json<{ shares: Share[] }>('GET', `/api/files/${file.id}/shares`);
		expect(listed.body.shares[0]!.revokedAt).not.toBeNull();
		expect(listed.body.shares[0]!.state).toBe('revoked');
		expect(await outcomes(owner.client, created.id)).toEqual(['ok', 'revoked', 'revoked']);
		const audit = await owner.client.json<{ entries: { action: string; targetId: string }[] }>('GET', `/api/rooms/${roomId}/audit`);
		expect(audit.body.entries.filter((e) => e.action === 'share_revoked').map((e) => e.targetId)).toEqual([created.id]);
	});

	it('honours the IP allowlist', async () => {
		const { owner, file } = await setup();
		const inside = await share(owner.client, file.id, { allowedIps: ['2001:db8::/32', '127.0.0.0/8'] });
		const outside = await share(owner.client, file.id, { allowedIps: ['10.0.0.0/8', '::1'] });
		expect((await info(inside.token)).status).toBe(200);
		expect((await download(inside.token)).status).toBe(200);
		for (const res of [await info(outside.token), await download(outside.token)]) {
			expect(res.status).toBe(403);
			expect(res.body.error.code).toBe('ip_refused');
		}
		expect(await outcomes(owner.client, inside.id)).toEqual(['ok', 'ok']);
		expect(await outcomes(owner.client, outside.id)).toEqual(['ip_refused', 'ip_refused']);
	});

	it('rate-limits wrong passwords per link: the 11th attempt gets 429 with Retry-After', async () => {
		const { owner, file } = await setup();
		const created = await share(owner.client, file.id, { password: 'the right one' });
		for (let i = 1; i <= 10; i++) {
			const res = await download(created.token, `wrong ${i}`);
			expect(res.status, `attempt ${i}`).toBe(401);
		}
		const blocked = await download(created.token, 'wrong 11');
		expect(blocked.status).toBe(429);
		expect(blocked.body.error.code).toBe('rate_limited');
		const retryAfter = Number(blocked.headers.get('retry-after'));
		expect(retryAfter).toBeGreaterThan(0);
		expect(retryAfter).toBeLessThanOrEqual(15 * 60);
		// Blocked means blocked: even the right password waits.
		expect((await download(created.token, 'the right one')).status).toBe(429);
		// The link itself still shows; other links are unaffected.
		expect((await info(created.token)).status).toBe(200);
		const other = await share(owner.client, file.id, { password: 'another' });
		expect((await download(other.token, 'another')).status).toBe(200);
		expect(await outcomes(owner.client, created.id)).toEqual([...Array<string>(10).fill('wrong_password'), 'rate_limited', 'rate_limited', 'ok']);
	});

	it('answers an unknown token with 404 not_found everywhere', async () => {
		for (const res of [await unknownToken('GET', 'a'.repeat(32)), await unknownToken('POST', 'b'.repeat(32), '/download'), await unknownToken('POST', 'c'.repeat(32), '/grants/x/complete')]) {
			expect(res.status).toBe(404);
			expect(res.body.error.code).toBe('not_found');
		}
	});

	// From a second loopback address, so the block (15 minutes) does not reach the other test
	// files that share this server and send share requests from 127.0.0.1.
	it('blocks an IP that tries too many unknown tokens, for known links too', async () => {
		const { owner, file } = await setup();
		const created = await share(owner.client, file.id);
		const guess = (token: string) => fromOtherAddress(`/api/s/${token}`);
		for (let i = 0; i < 60; i++) {
			expect((await guess(`guess${i}`)).status, `guess ${i}`).toBe(404);
		}
		const blocked = await guess('oneguesstoomany');
		expect(blocked.status).toBe(429);
		expect(blocked.headers['retry-after']).toMatch(/^\d+$/);
		const known = await guess(created.token);
		expect(known.status).toBe(429);
		expect((JSON.parse(known.body) as Err).error.code).toBe('rate_limited');
		// 127.0.0.1 is not affected.
		expect((await info(created.token)).status).toBe(200);
		expect(await outcomes(owner.client, created.id)).toEqual(['rate_limited', 'ok']);
	});
});

/** A GET from 127.0.0.2: another client address on the same loopback interface. */
function fromOtherAddress(path: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
	return new Promise((resolve, reject) => {
		const request = http.request(baseUrl + path, { localAddress: '127.0.0.2', headers: { 'user-agent': USER_AGENT } }, (response) => {
			let body = '';
			response.setEncoding('utf8');
			response.on('data', (chunk: string) => (body += chunk));
			response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
		});
		request.on('error', reject);
		request.end();
	});
}
