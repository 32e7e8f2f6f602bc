import Database from 'better-sqlite3';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newUser, type ApiClient } from '../helpers/api-client';
import { startFerry, type FerryServer } from '../helpers/ferry-server';
import { uploadSmallFile } from '../helpers/upload';

// A server of its own: share limits are per process, and shares.test.ts uses up this IP's
// allowance of unknown tokens on the shared server on purpose.
let server: FerryServer;
let baseUrl: string;
let dataDir: string;
beforeAll(async () => {
	server = await startFerry();
	baseUrl = server.url;
	dataDir = server.dataDir;
}, 60_000);
afterAll(async () => {
	await server?.stop();
});

type Err = { error: { code: string; message: string } };
type Grant = { grant: string; url: string; expiresAt: string; grantExpiresAt: string };
type Fresh = { url: string; expiresAt: string; grantExpiresAt: string };

function bytes(size: number, seed = 7): Uint8Array<ArrayBuffer> {
	const out = new Uint8Array(new ArrayBuffer(size));
	for (let i = 0; i < size; i++) out[i] = (i * 31 + seed) & 0xff;
	return out;
}

/** A recipient: no account, no cookie. */
async function anonymous<T>(method: string, route: string, body?: unknown) {
	const response = await fetch(baseUrl + route, {
		method,
		headers: body === undefined ? {} : { 'content-type': 'application/json' },
		body: body === undefined ? undefined : JSON.stringify(body)
	});
	const text = await response.text();
	return { status: response.status, body: (text ? JSON.parse(text) : {}) as T & Err };
}

async function sharedFile(options: Record<string, unknown> = {}, data = bytes(5000)) {
	const owner = await newUser(baseUrl, 'Gina Granter');
	const room = await owner.client.json<{ id: string }>('POST', '/api/rooms', { name: 'Grants' });
	const file = await uploadSmallFile(owner.client, room.body.id, data, 'clip.bin');
	const created = await owner.client.json<{ id: string; token: string }>(
		'POST',
		`/api/files/${file.id}/shares`,
		options
	);
	expect(created.status).toBe(201);
	return {
		owner: owner.client,
		fileId: file.id,
		shareId: created.body.id,
		token: created.body.token,
		data
	};
}

const startDownload = (token: string, password?: string) =>
	anonymous<Grant>('POST', `/api/s/${token}/download`, password === undefined ? {} : { password });
const refresh = (token: string, grant: string) =>
	anonymous<Fresh>('POST', `/api/s/${token}/grants/${grant}/url`);

async function downloadCount(owner: ApiClient, fileId: string, shareId: string): Promise<number> {
	const list = await owner.json<{ shares: { id: string; downloadCount: number }[] }>(
		'GET',
		`/api/files/${fileId}/shares`
	);
	return list.body.shares.find((s) => s.id === shareId)!.downloadCount;
}

function grantExpiry(shareId: string): number[] {
	const db = new Database(path.join(dataDir, 'ferry.sqlite'), { readonly: true });
	try {
		const rows = db
			.prepare('SELECT expires_at AS e FROM share_download_grants WHERE share_id = ?')
			.all(shareId) as { e: number }[];
		return rows.map((r) => Number(r.e));
	} finally {
		db.close();
	}
}

describe('download grants: fresh URLs for a long download', () => {
	it('gives a counted download fresh ranged URLs without counting it again, and slides the grant', async () => {
		const { owner, fileId, shareId, token, data } = await sharedFile({
			maxDownloads: 1,
			password: 'pass phrase'
		});
		const started = await startDownload(token, 'pass phrase');
		expect(started.status).toBe(200);
		expect(await downloadCount(owner, fileId, shareId)).toBe(1);
		const before = grantExpiry(shareId)[0]!;
		// The link is used up now; the download that used it still gets URLs.
		await new Promise((r) => setTimeout(r, 1100));
		for (let i = 0; i < 3; i++) {
			const fresh = await refresh(token, started.body.grant);
			expect(fresh.status, JSON.stringify(fresh.body)).toBe(200);
			expect(Date.parse(fresh.body.expiresAt)).toBeGreaterThan(Date.now());
			const ranged = await fetch(fresh.body.url, { headers: { range: 'bytes=100-199' } });
			expect(ranged.status).toBe(206);
			expect(new Uint8Array(await ranged.arrayBuffer())).toEqual(data.subarray(100, 200));
		}
		expect(await downloadCount(owner, fileId, shareId)).toBe(1);
		const after = grantExpiry(shareId)[0]!;
		expect(after).toBeGreaterThan(before);
		// A new download is still refused: refreshing did not give the allowance back.
		expect((await startDownload(token, 'pass phrase')).body.error.code).toBe('limit_reached');
	});

	it('refuses a fresh URL the moment the link is revoked', async () => {
		const { owner, token, shareId } = await sharedFile();
		const started = await startDownload(token);
		expect((await refresh(token, started.body.grant)).status).toBe(200);
		expect((await owner.json('DELETE', `/api/shares/${shareId}`)).status).toBe(204);
		const refused = await refresh(token, started.body.grant);
		expect(refused.status).toBe(410);
		expect(refused.body.error.code).toBe('revoked');
		expect(refused.body.error.message).toMatch(/turned the link off/);
		const log = await owner.json<{ entries: { outcome: string }[] }>(
			'GET',
			`/api/shares/${shareId}/access-log`
		);
		expect(log.body.entries.at(-1)!.outcome).toBe('revoked');
	});

	it('refuses unknown grants, grants of another link and finished grants, without counting', async () => {
		const first = await sharedFile();
		const second = await sharedFile();
		const grant = (await startDownload(first.token)).body.grant;
		const unknown = await refresh(first.token, 'a'.repeat(32));
		expect(unknown.status).toBe(404);
		expect(unknown.body.error.code).toBe('grant_not_found');
		const crossed = await refresh(second.token, grant);
		expect(crossed.status).toBe(404);
		expect(crossed.body.error.code).toBe('grant_not_found');
		expect((await anonymous('POST', `/api/s/${first.token}/grants/${grant}/complete`)).status).toBe(
			204
		);
		const used = await refresh(first.token, grant);
		expect(used.status).toBe(409);
		expect(used.body.error.code).toBe('grant_used');
		expect(await downloadCount(first.owner, first.fileId, first.shareId)).toBe(1);
		expect(await downloadCount(second.owner, second.fileId, second.shareId)).toBe(0);
	});

	it('previews without counting on unlimited links and sends limited links to the download', async () => {
		const open = await sharedFile({ password: 'pw' });
		expect((await anonymous('POST', `/api/s/${open.token}/preview`, {})).body.error.code).toBe(
			'wrong_password'
		);
		const preview = await anonymous<{ url: string; expiresAt: string }>(
			'POST',
			`/api/s/${open.token}/preview`,
			{ password: 'pw' }
		);
		expect(preview.status).toBe(200);
		const ranged = await fetch(preview.body.url, { headers: { range: 'bytes=0-9' } });
		expect(ranged.status).toBe(206);
		expect(await downloadCount(open.owner, open.fileId, open.shareId)).toBe(0);
		const limited = await sharedFile({ maxDownloads: 3 });
		const refused = await anonymous('POST', `/api/s/${limited.token}/preview`, {});
		expect(refused.status).toBe(409);
		expect(refused.body.error.code).toBe('preview_needs_download');
		expect(await downloadCount(limited.owner, limited.fileId, limited.shareId)).toBe(0);
	});
});
