import { describe, expect, inject, it } from 'vitest';
import {
	createHeader,
	encryptRecords,
	generateFileKey,
	importFileKey
} from '../../src/lib/core/crypto';
import { MAX_THUMBNAIL_BYTES, openThumbnail, sealThumbnail } from '../../src/lib/core/preview';
import { newUser, type ApiClient } from '../helpers/api-client';
import { uploadSmallFile } from '../helpers/upload';

const baseUrl = inject('ferryUrl');

type Err = { error: { code: string; message: string } };

/** The smallest byte string that passes for a JPEG (the server checks the magic bytes only). */
function fakeJpeg(size: number): Uint8Array<ArrayBuffer> {
	const bytes = new Uint8Array(size).fill(7);
	bytes.set([0xff, 0xd8, 0xff, 0xe0]);
	return bytes;
}

function putThumbnail(
	client: ApiClient,
	fileId: string,
	body: Uint8Array<ArrayBuffer>,
	contentType: string
) {
	// ApiClient sends JSON; a thumbnail is a raw body, so this goes through fetch with the session cookie.
	const session = client.cookie('ferry_session');
	return fetch(`${baseUrl}/api/files/${fileId}/thumbnail`, {
		method: 'PUT',
		headers: {
			'content-type': contentType,
			...(session ? { cookie: `ferry_session=${session}` } : {})
		},
		body
	});
}

async function roomWithFile(encrypted = false) {
	const owner = await newUser(baseUrl, 'Owner');
	const room = await owner.client.json<{ id: string }>('POST', '/api/rooms', { name: 'Thumbs' });
	if (!encrypted) {
		const file = await uploadSmallFile(
			owner.client,
			room.body.id,
			new Uint8Array(1000),
			'photo.jpg',
			{ contentType: 'image/jpeg' }
		);
		return { owner: owner.client, roomId: room.body.id, fileId: file.id, key: null };
	}
	const raw = generateFileKey();
	const key = await importFileKey(raw);
	const header = createHeader({ plaintextSize: 1000 });
	const ciphertext = await encryptRecords(key, header, 0, new Uint8Array(1000), true);
	const file = await uploadSmallFile(owner.client, room.body.id, ciphertext, 'c2VjcmV0', {
		contentType: 'application/octet-stream',
		encryption: { header }
	});
	return { owner: owner.client, roomId: room.body.id, fileId: file.id, key };
}

async function join(owner: ApiClient, roomId: string, role: 'member' | 'viewer') {
	const guest = await newUser(baseUrl, role);
	const link = await owner.json<{ token: string }>('POST', `/api/rooms/${roomId}/invites`, {
		role
	});
	expect((await guest.client.post(`/api/invites/${link.body.token}/accept`)).status).toBe(200);
	return guest.client;
}

describe('thumbnail API', () => {
	it('stores a JPEG thumbnail next to the file; every member gets it back, byte for byte', async () => {
		const { owner, roomId, fileId } = await roomWithFile();
		expect((await owner.get(`/api/files/${fileId}/thumbnail`)).status).toBe(404);
		const jpeg = fakeJpeg(5000);
		const put = await putThumbnail(owner, fileId, jpeg, 'image/jpeg');
		expect(put.status).toBe(201);

		const viewer = await join(owner, roomId, 'viewer');
		const got = await viewer.get(`/api/files/${fileId}/thumbnail`);
		expect(got.status).toBe(302);
		const stored = await fetch(new URL(got.headers.get('location')!, baseUrl));
		expect(stored.status).toBe(200);
		expect(new Uint8Array(await stored.arrayBuffer())).toEqual(jpeg);

		// Deleting the file takes its thumbnail with it: the old URL finds nothing.
		expect((await owner.request('DELETE', `/api/files/${fileId}`)).status).toBe(204);
		expect((await fetch(new URL(got.headers.get('location')!, baseUrl))).status).toBe(404);
	});

	it('refuses a thumbnail over the size limit, of another type, or whose bytes are not what it claims', async () => {
		const { owner, fileId } = await roomWithFile();
		const big = await putThumbnail(owner, fileId, fakeJpeg(MAX_THUMBNAIL_BYTES + 1), 'image/jpeg');
		expect(big.status).toBe(413);
		expect(((await big.json()) as Err).error.code).toBe('thumbnail_too_large');
		const png = await putThumbnail(owner, fileId, fakeJpeg(100), 'image/png');
		expect(png.status).toBe(415);
		const lying = await putThumbnail(owner, fileId, new Uint8Array(100), 'image/jpeg');
		expect(lying.status).toBe(415);
		expect(((await lying.json()) as Err).error.message).toMatch(/JPEG/);
		const empty = await putThumbnail(owner, fileId, new Uint8Array(0), 'image/jpeg');
		expect(empty.status).toBe(400);
		expect((await owner.get(`/api/files/${fileId}/thumbnail`)).status).toBe(404);
	});

	it('lets members store thumbnails but not viewers, and shows outsiders nothing', async () => {
		const { owner, roomId, fileId } = await roomWithFile();
		const member = await join(owner, roomId, 'member');
		expect((await putThumbnail(member, fileId, fakeJpeg(200), 'image/jpeg')).status).toBe(201);
		const viewer = await join(owner, roomId, 'viewer');
		const refused = await putThumbnail(viewer, fileId, fakeJpeg(200), 'image/jpeg');
		expect(refused.status).toBe(403);
		const outsider = (await newUser(baseUrl, 'Other')).client;
		expect((await putThumbnail(outsider, fileId, fakeJpeg(200), 'image/jpeg')).status).toBe(404);
		expect((await outsider.get(`/api/files/${fileId}/thumbnail`)).status).toBe(404);
		const anonymous = await fetch(`${baseUrl}/api/files/${fileId}/thumbnail`, {
			redirect: 'manual'
		});
		expect(anonymous.status).toBe(401);
	});

	it('stores an encrypted file’s thumbnail only sealed, and it opens with the file key', async () => {
		const { owner, fileId, key } = await roomWithFile(true);
		const plain = await putThumbnail(owner, fileId, fakeJpeg(300), 'image/jpeg');
		expect(plain.status).toBe(415);
		expect(
			(await putThumbnail(owner, fileId, new Uint8Array(20), 'application/octet-stream')).status
		).toBe(400);
		const jpeg = fakeJpeg(3000);
		const sealed = await sealThumbnail(key!, jpeg);
		expect((await putThumbnail(owner, fileId, sealed, 'application/octet-stream')).status).toBe(
			201
		);
		const got = await owner.get(`/api/files/${fileId}/thumbnail`);
		const stored = new Uint8Array(
			await (await fetch(new URL(got.headers.get('location')!, baseUrl))).arrayBuffer()
		);
		expect(stored).toEqual(sealed);
		expect(await openThumbnail(key!, stored)).toEqual(jpeg);
	});
});
