import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { newUser } from '../helpers/api-client';

// The built server answers /storage/local/... on raw node:http before SvelteKit
// (src/lib/server/storage/local-disk-node.ts); these are the cases only that path has.

const baseUrl = inject('ferryUrl');
const dataDir = inject('ferryDataDir');
const MiB = 1024 * 1024;

type Signed = { parts: { partNumber: number; url: string; headers: Record<string, string> }[] };

async function onePartUpload(size: number) {
	const { client } = await newUser(baseUrl, 'Fast path');
	const room = await client.json<{ id: string }>('POST', '/api/rooms', { name: 'Fast path' });
	const created = await client.json<{ uploadId: string }>('POST', '/api/uploads', {
		roomId: room.body.id,
		fileName: 'part.bin',
		size,
		contentType: 'application/octet-stream',
		preferredPartSize: size
	});
	expect(created.status).toBe(201);
	const signed = await client.json<Signed>('POST', `/api/uploads/${created.body.uploadId}/parts`, {
		partNumbers: [1]
	});
	expect(signed.status).toBe(200);
	return { uploadId: created.body.uploadId, part: signed.body.parts[0]! };
}

/** Sends `sent` of the part's `size` bytes, then drops the connection. */
function putThenDisconnect(url: string, size: number, sent: number): Promise<void> {
	return new Promise((resolve) => {
		const req = http.request(url, { method: 'PUT', headers: { 'content-length': String(size) } });
		req.on('error', () => resolve());
		req.write(Buffer.alloc(sent, 7), () => setTimeout(() => (req.destroy(), resolve()), 300));
	});
}

describe('local-disk storage on the raw node:http path', () => {
	it('a client that disconnects mid-part leaves no part file, and the part can be sent again', async () => {
		const size = 5 * MiB;
		const uploads = path.join(dataDir, 'storage', 'uploads');
		const before = new Set(fs.existsSync(uploads) ? fs.readdirSync(uploads) : []);
		const { part } = await onePartUpload(size);
		const fresh = fs.readdirSync(uploads).filter((d) => !before.has(d));
		expect(fresh).toHaveLength(1);
		const uploadDir = path.join(uploads, fresh[0]!);
		await putThenDisconnect(part.url, size, 2 * MiB);
		// The server notices the reset and removes its temporary file.
		for (let i = 0; i < 50 && fs.readdirSync(uploadDir).some((f) => f.startsWith('.tmp-')); i++)
			await new Promise((r) => setTimeout(r, 100));
		expect(
			fs.readdirSync(uploadDir).filter((f) => f.startsWith('part-') || f.startsWith('.tmp-'))
		).toEqual([]);

		const again = await fetch(part.url, {
			method: 'PUT',
			headers: part.headers,
			body: new Uint8Array(size).fill(7)
		});
		expect(again.status).toBe(200);
		expect(again.headers.get('etag')).toMatch(/^"[0-9a-f]{32}"$/);
		expect(fs.readdirSync(uploadDir).filter((f) => f.startsWith('part-'))).toEqual([
			'part-00001',
			'part-00001.json'
		]);
	});

	it('refuses a tampered part URL with the usual message and CORS headers, before storing a byte', async () => {
		const { part } = await onePartUpload(5 * MiB);
		const url = new URL(part.url);
		url.searchParams.set('part', '2');
		const res = await fetch(url, { method: 'PUT', body: new Uint8Array(5 * MiB) });
		expect(res.status).toBe(403);
		expect(res.headers.get('access-control-allow-origin')).toBe('*');
		expect(await res.json()).toEqual({
			error: { code: 'bad_signature', message: 'The URL signature does not match.' }
		});
	});

	it('answers a CORS preflight for a part URL', async () => {
		const { part } = await onePartUpload(5 * MiB);
		const res = await fetch(part.url, {
			method: 'OPTIONS',
			headers: { origin: 'https://elsewhere.example', 'access-control-request-method': 'PUT' }
		});
		expect(res.status).toBe(204);
		expect(res.headers.get('access-control-allow-methods')).toBe('PUT, GET, HEAD, OPTIONS');
	});
});
