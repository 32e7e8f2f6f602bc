import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import {
	ciphertextSize,
	createHeader,
	decryptMetadata,
	decryptRecords,
	encryptMetadata,
	encryptRecords,
	generateFileKey,
	generateRoomKey,
	importFileKey,
	parseHeader,
	recordCount,
	unwrapFileKey,
	wrapFileKey
} from '../../src/lib/core/crypto';
import { encodeBase64url } from '../../src/lib/core/crypto/base64url';
import { newUser } from '../helpers/api-client';

const baseUrl = inject('ferryUrl');
const dataDir = inject('ferryDataDir');

type Err = { error: { code: string; message: string } };
type Created = { uploadId: string; fileId: string; partCount: number };
type Signed = { parts: { partNumber: number; url: string; headers: Record<string, string> }[] };
type Listed = {
	id: string;
	roomId: string;
	name: string;
	contentType: string;
	size: number;
	encryption: { header: unknown; wrappedKey?: string; encryptedMetadata?: string } | null;
};

/** Every file under `dir` (the SQLite database with its WAL, stored objects), searched for `needle`. */
function filesContaining(dir: string, needle: Uint8Array): string[] {
	const hits: string[] = [];
	for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
		if (!entry.isFile()) continue;
		const full = path.join(entry.parentPath, entry.name);
		if (fs.readFileSync(full).includes(Buffer.from(needle))) hits.push(full);
	}
	return hits;
}

async function e2eeRoom() {
	const owner = await newUser(baseUrl, 'Keeper');
	const room = await owner.client.json<{ id: string; endToEndEncrypted: boolean }>(
		'POST',
		'/api/rooms',
		{
			name: 'Sealed',
			endToEndEncrypted: true
		}
	);
	expect(room.status).toBe(201);
	expect(room.body.endToEndEncrypted).toBe(true);
	return { owner, roomId: room.body.id };
}

describe('end-to-end encrypted rooms: what the server stores', () => {
	it('refuses a non-boolean flag, and uploads without a wrapped key and a sealed name', async () => {
		const { owner, roomId } = await e2eeRoom();
		const bad = await owner.client.json<Err>('POST', '/api/rooms', {
			name: 'x',
			endToEndEncrypted: 'yes'
		});
		expect(bad.status).toBe(400);
		expect(bad.body.error.message).toMatch(/endToEndEncrypted/);

		const header = createHeader({ plaintextSize: 100 });
		const size = ciphertextSize(100, header.recordSize);
		const plain = await owner.client.json<Err>('POST', '/api/uploads', {
			roomId,
			fileName: 'plain.txt',
			size: 100
		});
		expect(plain.status).toBe(400);
		expect(plain.body.error.code).toBe('encryption_required');
		expect(plain.body.error.message).toMatch(/end-to-end encrypted/);
		const noWrap = await owner.client.json<Err>('POST', '/api/uploads', {
			roomId,
			fileName: 'encrypted',
			size,
			encryption: { header, encryptedMetadata: 'm1.AAAA' }
		});
		expect(noWrap.status).toBe(400);
		expect(noWrap.body.error.code).toBe('encryption_required');
		expect(
			await owner.client.json<{ files: unknown[] }>('GET', `/api/rooms/${roomId}/files`)
		).toMatchObject({
			body: { files: [] }
		});
	});

	it('keeps only ciphertext, a wrapped key, sealed metadata and a placeholder name; a member with the room key reads it all', async () => {
		const { owner, roomId } = await e2eeRoom();
		const realName = `Merger plan ${Date.now()}.pdf`;
		const roomKey = generateRoomKey();
		const fileKey = generateFileKey();
		const data = new TextEncoder().encode(`top secret contents ${realName} `.repeat(500));
		const header = createHeader({ plaintextSize: data.length, recordSize: 4096 });
		const ciphertext = await encryptRecords(await importFileKey(fileKey), header, 0, data, true);
		const encryptedMetadata = await encryptMetadata(fileKey, {
			name: realName,
			type: 'application/pdf'
		});
		const wrappedKey = await wrapFileKey(roomKey, fileKey, { roomId, header });

		// A careless client that still sends the real name: the server must not keep it.
		const created = await owner.client.json<Created>('POST', '/api/uploads', {
			roomId,
			fileName: realName,
			contentType: 'application/pdf',
			lastModified: 1_700_000_000_000,
			size: ciphertext.length,
			encryption: { header, wrappedKey, encryptedMetadata }
		});
		expect(created.status, JSON.stringify(created.body)).toBe(201);
		const { uploadId, fileId } = created.body;
		const signed = await owner.client.json<Signed>('POST', `/api/uploads/${uploadId}/parts`, {
			partNumbers: [1]
		});
		const part = signed.body.parts[0]!;
		const put = await fetch(part.url, { method: 'PUT', headers: part.headers, body: ciphertext });
		expect(put.status).toBe(200);
		const etag = put.headers.get('etag')!;
		await owner.client.post(`/api/uploads/${uploadId}/parts/1/done`, {
			etag,
			size: ciphertext.length
		});
		const done = await owner.client.json<{ file: { name: string } }>(
			'POST',
			`/api/uploads/${uploadId}/complete`,
			{
				parts: [{ partNumber: 1, etag }]
			}
		);
		expect(done.status).toBe(200);
		expect(done.body.file.name).toBe('encrypted');

		// Bob joins by invite; the room key would reach him in the link's fragment, never via the API.
		const invite = await owner.client.json<{ token: string; url: string }>(
			'POST',
			`/api/rooms/${roomId}/invites`,
			{
				role: 'member'
			}
		);
		const bob = await newUser(baseUrl, 'Bob');
		expect((await bob.client.post(`/api/invites/${invite.body.token}/accept`)).status).toBe(200);
		const listed = await bob.client.json<{ files: Listed[] }>('GET', `/api/rooms/${roomId}/files`);
		const file = listed.body.files.find((f) => f.id === fileId)!;
		expect(file).toMatchObject({ name: 'encrypted', contentType: 'application/octet-stream' });
		expect(JSON.stringify(listed.body)).not.toContain('Merger');
		expect(file.encryption).toEqual({ header, wrappedKey, encryptedMetadata });

		const unwrapped = await unwrapFileKey(roomKey, file.encryption!.wrappedKey!, {
			roomId,
			header: parseHeader(file.encryption!.header)
		});
		expect(await decryptMetadata(unwrapped, file.encryption!.encryptedMetadata!)).toEqual({
			name: realName,
			type: 'application/pdf'
		});
		const link = await bob.client.json<{ url: string }>('GET', `/api/files/${fileId}/download`);
		const stored = new Uint8Array(await (await fetch(link.body.url)).arrayBuffer());
		const opened = await decryptRecords(
			await importFileKey(unwrapped),
			header,
			0,
			stored,
			recordCount(header.plaintextSize, header.recordSize)
		);
		expect(new TextDecoder().decode(opened)).toBe(new TextDecoder().decode(data));
		// Another room's key does not open it.
		await expect(
			unwrapFileKey(generateRoomKey(), wrappedKey, { roomId, header })
		).rejects.toMatchObject({
			code: 'decrypt_failed'
		});

		// Nothing on the server's disk (database, WAL, audit log, stored objects) holds the name or a key.
		const encoder = new TextEncoder();
		expect(filesContaining(dataDir, encoder.encode(fileId)).length).toBeGreaterThan(0); // the scan sees the database
		expect(filesContaining(dataDir, encoder.encode('Merger plan'))).toEqual([]);
		expect(filesContaining(dataDir, encoder.encode(encodeBase64url(roomKey)))).toEqual([]);
		expect(filesContaining(dataDir, roomKey)).toEqual([]);
		expect(filesContaining(dataDir, fileKey)).toEqual([]);
	});
});
