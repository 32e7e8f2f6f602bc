import Database from 'better-sqlite3';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { ApiClient, newUser } from '../helpers/api-client';

const baseUrl = inject('ferryUrl');
const dataDir = inject('ferryDataDir');
const MiB = 1024 * 1024;

type Created = { uploadId: string; fileId: string; partSize: number; partCount: number; expiresAt: string };
type Signed = { parts: { partNumber: number; url: string; method: string; headers: Record<string, string>; expiresAt: string }[] };
type Err = { error: { code: string; message: string } };

async function setup() {
	const owner = await newUser(baseUrl, 'Uploader');
	const room = await owner.client.json<{ id: string }>('POST', '/api/rooms', { name: 'Uploads' });
	return { owner, roomId: room.body.id };
}

function bytes(size: number, seed = 1): Uint8Array<ArrayBuffer> {
	const out = new Uint8Array(new ArrayBuffer(size));
	let x = seed;
	for (let i = 0; i < size; i++) {
		x = (x * 1103515245 + 12345) & 0x7fffffff;
		out[i] = x >>> 16;
	}
	return out;
}

const sha256b64 = (data: Uint8Array) => createHash('sha256').update(data).digest('base64');

async function putPart(signed: Signed['parts'][number], body: Uint8Array<ArrayBuffer>): Promise<Response> {
	return fetch(signed.url, { method: 'PUT', headers: signed.headers, body });
}

/** Uploads `data` through the API with SHA-256 part checksums; returns the file and ETags. */
async function uploadAll(client: ApiClient, roomId: string, data: Uint8Array<ArrayBuffer>, fileName = 'data.bin') {
	const created = await client.json<Created>('POST', '/api/uploads', { roomId, fileName, size: data.length, contentType: 'application/octet-stream', checksumAlgorithm: 'SHA256', preferredPartSize: 5 * MiB });
	expect(created.status).toBe(201);
	const { uploadId, partSize, partCount } = created.body;
	const slices = Array.from({ length: partCount }, (_, i) => data.slice(i * partSize, Math.min(data.length, (i + 1) * partSize)));
	const checksums = Object.fromEntries(slices.map((s, i) => [String(i + 1), sha256b64(s)]));
	const signed = await client.json<Signed>('POST', `/api/uploads/${uploadId}/parts`, { partNumbers: slices.map((_, i) => i + 1), checksums });
	expect(signed.status).toBe(200);
	const parts: { partNumber: number; etag: string }[] = [];
	for (const [i, part] of signed.body.parts.entries()) {
		const res = await putPart(part, slices[i]!);
		expect(res.status, await res.clone().text()).toBe(200);
		const etag = res.headers.get('etag')!;
		parts.push({ partNumber: part.partNumber, etag });
		expect((await client.post(`/api/uploads/${uploadId}/parts/${part.partNumber}/done`, { etag, size: slices[i]!.length, checksum: checksums[String(i + 1)] })).status).toBe(204);
	}
	const composite = createHash('sha256').update(Buffer.concat(slices.map((s) => createHash('sha256').update(s).digest()))).digest('base64');
	return { uploadId, created: created.body, parts, slices, composite };
}

describe('upload API: validation', () => {
	it('refuses bad file names, sizes and fields with a 400 that names the field', async () => {
		const { owner, roomId } = await setup();
		const bad: [unknown, RegExp][] = [
			[{ roomId, fileName: '../etc/passwd', size: 10 }, /fileName/],
			[{ roomId, fileName: 'a/b.txt', size: 10 }, /fileName/],
			[{ roomId, fileName: 'bell\u0007.txt', size: 10 }, /control/],
			[{ roomId, fileName: 'x'.repeat(256), size: 10 }, /255 bytes/],
			[{ roomId, fileName: '..', size: 10 }, /fileName/],
			[{ roomId, fileName: 'ok.txt', size: -1 }, /size/],
			[{ roomId, fileName: 'ok.txt', size: 1.5 }, /size/],
			[{ roomId, fileName: 'ok.txt', size: '10' }, /size/],
			[{ roomId, fileName: 'ok.txt', size: 10, checksumAlgorithm: 'XXH3' }, /checksumAlgorithm/],
			[{ roomId, fileName: 'ok.txt', size: 10, contentType: 'not a type' }, /contentType/],
			[{ fileName: 'ok.txt', size: 10 }, /roomId/]
		];
		for (const [body, message] of bad) {
			const res = await owner.client.json<Err>('POST', '/api/uploads', body);
			expect(res.status, JSON.stringify(body)).toBe(400);
			expect(res.body.error.message).toMatch(message);
		}
	});

	it('refuses a file over the quota with 413 and says how much is left', async () => {
		const { owner, roomId } = await setup();
		const res = await owner.client.json<Err>('POST', '/api/uploads', { roomId, fileName: 'huge.bin', size: 2 * 1024 ** 4 });
		expect(res.status).toBe(413);
		expect(res.body.error.code).toBe('quota_exceeded');
		expect(res.body.error.message).toMatch(/left/);
	});

	it('refuses part numbers outside the plan, too many at once, and non-numbers', async () => {
		const { owner, roomId } = await setup();
		const created = await owner.client.json<Created>('POST', '/api/uploads', { roomId, fileName: 'a.bin', size: 12 * MiB, preferredPartSize: 5 * MiB });
		const id = created.body.uploadId;
		expect(created.body.partCount).toBe(3);
		const cases: [unknown, number, string][] = [
			[{ partNumbers: [4] }, 400, 'invalid_part_number'],
			[{ partNumbers: [0] }, 400, 'invalid_request'],
			[{ partNumbers: [] }, 400, 'invalid_request'],
			[{ partNumbers: Array.from({ length: 101 }, (_, i) => i + 1) }, 400, 'invalid_request'],
			[{ partNumbers: ['1'] }, 400, 'invalid_request']
		];
		for (const [body, status, code] of cases) {
			const res = await owner.client.json<Err>('POST', `/api/uploads/${id}/parts`, body);
			expect(res.status, JSON.stringify(body)).toBe(status);
			expect(res.body.error.code).toBe(code);
		}
		const wrongSize = await owner.client.json<Err>('POST', `/api/uploads/${id}/parts/3/done`, { etag: 'x', size: 5 * MiB });
		expect(wrongSize.status).toBe(400);
		expect(wrongSize.body.error.code).toBe('part_size_mismatch');
	});
	it('checks the encryption header and that size is the ciphertext size of the plaintext', async () => {
		const { owner, roomId } = await setup();
		const header = { version: 1, recordSize: 65536, nonceBase: 'AAAAAAAAAAAAAAAA', plaintextSize: 100 };
		const ok = await owner.client.json<Created>('POST', '/api/uploads', { roomId, fileName: 'secret.bin', size: 116, encryption: { header } });
		expect(ok.status).toBe(201);
		expect(ok.body.partCount).toBe(1);
		const wrongSize = await owner.client.json<Err>('POST', '/api/uploads', { roomId, fileName: 'secret.bin', size: 100, encryption: { header } });
		expect(wrongSize.status).toBe(400);
		const badRecord = await owner.client.json<Err>('POST', '/api/uploads', { roomId, fileName: 'secret.bin', size: 116, encryption: { header: { ...header, recordSize: 1000 } } });
		expect(badRecord.status).toBe(400);
		const strayKey = await owner.client.json<Err>('POST', '/api/uploads', { roomId, fileName: 'secret.bin', size: 116, encryption: { header: { ...header, key: 'AAAA' } } });
		expect(strayKey.status).toBe(400);
	});
});

describe('upload API: authorization', () => {
	it('another user, a viewer and a signed-out caller cannot touch an upload', async () => {
		const { owner, roomId } = await setup();
		const created = await owner.client.json<Created>('POST', '/api/uploads', { roomId, fileName: 'a.bin', size: 100 });
		const id = created.body.uploadId;
		const stranger = await newUser(baseUrl, 'Stranger');
		const viewer = await newUser(baseUrl, 'Viewer');
		const invite = await owner.client.json<{ token: string }>('POST', `/api/rooms/${roomId}/invites`, { role: 'viewer' });
		await viewer.client.post(`/api/invites/${invite.body.token}/accept`);
		const anonymous = new ApiClient(baseUrl);
		const routes: [string, string, unknown?][] = [
			['GET', `/api/uploads/${id}`],
			['POST', `/api/uploads/${id}/parts`, { partNumbers: [1] }],
			['POST', `/api/uploads/${id}/parts/1/done`, { etag: 'x', size: 100 }],
			['POST', `/api/uploads/${id}/complete`, { parts: [{ partNumber: 1, etag: 'x' }] }],
			['DELETE', `/api/uploads/${id}`]
		];
		for (const [method, path, body] of routes) {
			expect((await stranger.client.json(method, path, body)).status, `stranger ${method} ${path}`).toBe(404);
			expect((await viewer.client.json(method, path, body)).status, `viewer ${method} ${path}`).toBe(404);
			expect((await anonymous.json(method, path, body)).status, `anonymous ${method} ${path}`).toBe(401);
		}
		expect((await stranger.client.json('POST', '/api/uploads', { roomId, fileName: 'x', size: 1 })).status).toBe(404);
		const viewerUpload = await viewer.client.json<Err>('POST', '/api/uploads', { roomId, fileName: 'x', size: 1 });
		expect(viewerUpload.status).toBe(403);
		// The owner's upload is untouched.
		expect((await owner.client.json<{ state: string }>('GET', `/api/uploads/${id}`)).body.state).toBe('uploading');
	});

	it('a revoked API token and an ended session lose access at once', async () => {
		const { owner, roomId } = await setup();
		const token = await owner.client.json<{ id: string; token: string }>('POST', '/api/tokens', { name: 'cli' });
		const script = new ApiClient(baseUrl);
		script.bearer = token.body.token;
		const created = await script.json<Created>('POST', '/api/uploads', { roomId, fileName: 'cli.bin', size: 10 });
		expect(created.status).toBe(201);
		await owner.client.delete(`/api/tokens/${token.body.id}`);
		expect((await script.json('GET', `/api/uploads/${created.body.uploadId}`)).status).toBe(401);
		await owner.client.post('/api/auth/logout');
		expect((await owner.client.json('GET', `/api/uploads/${created.body.uploadId}`)).status).toBe(401);
	});
});

describe('upload API: lifecycle on the local-disk provider', () => {
	it('uploads, completes with a verified checksum, lists, downloads with Range and deletes', async () => {
		const { owner, roomId } = await setup();
		const data = bytes(11 * MiB + 7);
		const { uploadId, parts, composite, created } = await uploadAll(owner.client, roomId, data, 'report.pdf');
		const status = await owner.client.json<{ parts: { partNumber: number; size: number }[]; state: string }>('GET', `/api/uploads/${uploadId}`);
		expect(status.body.parts.map((p) => p.size)).toEqual([5 * MiB, 5 * MiB, MiB + 7]);
		const done = await owner.client.json<{ file: { id: string; size: number; name: string; checksum: { value: string } } }>('POST', `/api/uploads/${uploadId}/complete`, { parts, checksum: { algorithm: 'SHA256', value: composite } });
		expect(done.status).toBe(200);
		expect(done.body.file).toMatchObject({ id: created.fileId, size: data.length, name: 'report.pdf', checksum: { value: composite } });
		// Completing twice returns the same file.
		const again = await owner.client.json<{ file: { id: string } }>('POST', `/api/uploads/${uploadId}/complete`, { parts });
		expect(again.body.file.id).toBe(created.fileId);
		const listed = await owner.client.json<{ files: { id: string }[] }>('GET', `/api/rooms/${roomId}/files`);
		expect(listed.body.files.map((f) => f.id)).toEqual([created.fileId]);
		const link = await owner.client.json<{ url: string }>('GET', `/api/files/${created.fileId}/download`);
		const whole = new Uint8Array(await (await fetch(link.body.url)).arrayBuffer());
		expect(sha256b64(whole)).toBe(sha256b64(data));
		const ranged = await fetch(link.body.url, { headers: { range: `bytes=${5 * MiB - 3}-${5 * MiB + 2}` } });
		expect(ranged.status).toBe(206);
		expect(new Uint8Array(await ranged.arrayBuffer())).toEqual(data.subarray(5 * MiB - 3, 5 * MiB + 3));
		expect((await owner.client.delete(`/api/files/${created.fileId}`)).status).toBe(204);
		expect((await owner.client.json('GET', `/api/files/${created.fileId}`)).status).toBe(404);
		expect((await fetch(link.body.url)).status).toBeGreaterThanOrEqual(400);
	});

	it('says which part is missing, refuses a wrong ETag and a wrong checksum, and shows no file', async () => {
		const { owner, roomId } = await setup();
		const data = bytes(10 * MiB + 1, 7);
		const { uploadId, parts, composite } = await uploadAll(owner.client, roomId, data);
		const missing = await owner.client.json<Err>('POST', `/api/uploads/${uploadId}/complete`, { parts: parts.slice(0, 2) });
		expect(missing.status).toBe(409);
		expect(missing.body.error).toMatchObject({ code: 'part_missing' });
		expect(missing.body.error.message).toMatch(/Part 3/);
		const wrongEtag = await owner.client.json<Err>('POST', `/api/uploads/${uploadId}/complete`, { parts: parts.map((p, i) => (i === 1 ? { ...p, etag: '"0000"' } : p)) });
		expect(wrongEtag.body.error.code).toBe('etag_mismatch');
		expect(wrongEtag.body.error.message).toMatch(/part 2/);
		const wrongSum = await owner.client.json<Err>('POST', `/api/uploads/${uploadId}/complete`, { parts, checksum: { algorithm: 'SHA256', value: sha256b64(new Uint8Array([1])) } });
		expect(wrongSum.body.error.code).toBe('checksum_mismatch');
		expect((await owner.client.json<{ files: unknown[] }>('GET', `/api/rooms/${roomId}/files`)).body.files).toEqual([]);
		expect((await owner.client.json('POST', `/api/uploads/${uploadId}/complete`, { parts, checksum: { algorithm: 'SHA256', value: composite } })).status).toBe(200);
	});

	it('storage refuses a corrupted part body whose checksum was signed', async () => {
		const { owner, roomId } = await setup();
		const data = bytes(1000, 3);
		const created = await owner.client.json<Created>('POST', '/api/uploads', { roomId, fileName: 'x.bin', size: data.length, checksumAlgorithm: 'SHA256' });
		const signed = await owner.client.json<Signed>('POST', `/api/uploads/${created.body.uploadId}/parts`, { partNumbers: [1], checksums: { 1: sha256b64(data) } });
		const corrupted = data.slice();
		corrupted[500] = corrupted[500]! ^ 1;
		expect((await putPart(signed.body.parts[0]!, corrupted)).status).toBe(400);
		expect((await putPart(signed.body.parts[0]!, data)).status).toBe(200);
	});

	it('requires checksums when the upload was created with them', async () => {
		const { owner, roomId } = await setup();
		const created = await owner.client.json<Created>('POST', '/api/uploads', { roomId, fileName: 'x.bin', size: 10, checksumAlgorithm: 'SHA256' });
		const res = await owner.client.json<Err>('POST', `/api/uploads/${created.body.uploadId}/parts`, { partNumbers: [1] });
		expect(res.status).toBe(400);
		expect(res.body.error.code).toBe('checksum_required');
	});

	it('abort deletes the parts; the upload is gone for good', async () => {
		const { owner, roomId } = await setup();
		const data = bytes(6 * MiB, 9);
		const { uploadId, parts } = await uploadAll(owner.client, roomId, data);
		expect((await owner.client.delete(`/api/uploads/${uploadId}`)).status).toBe(204);
		const after = await owner.client.json<Err>('POST', `/api/uploads/${uploadId}/complete`, { parts });
		expect(after.status).toBe(410);
		expect((await owner.client.json<{ files: unknown[] }>('GET', `/api/rooms/${roomId}/files`)).body.files).toEqual([]);
	});

	it('expired uploads are aborted on storage and removed by the cleanup command', async () => {
		const { owner, roomId } = await setup();
		const data = bytes(6 * MiB, 11);
		const { uploadId } = await uploadAll(owner.client, roomId, data);
		const db = new Database(path.join(dataDir, 'ferry.sqlite'));
		const row = db.prepare('select storage_upload_id as id from upload_sessions where id = ?').get(uploadId) as { id: string };
		const partsDir = path.join(dataDir, 'storage', 'uploads', row.id);
		expect(fs.existsSync(partsDir)).toBe(true);
		db.prepare('update upload_sessions set expires_at = ? where id = ?').run(Date.now() - 1000, uploadId);
		db.close();
		const output = execFileSync(process.execPath, ['node_modules/tsx/dist/cli.mjs', 'scripts/cleanup-uploads.ts'], {
			cwd: path.resolve(import.meta.dirname, '../..'),
			env: { ...process.env, FERRY_DATA_DIR: dataDir },
			encoding: 'utf8'
		});
		expect(output).toMatch(/Cleaned up [1-9]\d* expired upload/);
		expect(fs.existsSync(partsDir)).toBe(false);
		expect((await owner.client.json('GET', `/api/uploads/${uploadId}`)).status).toBe(404);
		expect((await owner.client.json<{ files: unknown[] }>('GET', `/api/rooms/${roomId}/files`)).body.files).toEqual([]);
	});
});
