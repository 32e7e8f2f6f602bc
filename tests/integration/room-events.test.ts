/**
 * The SvelteKit server and the room server together: a member's live
 * connection with a token minted by Ferry, and the authoritative events Ferry
 * posts when an upload completes or a member is removed.
 */
import PartySocket from 'partysocket';
import { describe, expect, inject, it } from 'vitest';
import WebSocket from 'ws';
import type { RoomMessage } from '../../party/room-messages';
import { newUser, type ApiClient } from '../helpers/api-client';

const baseUrl = inject('ferryUrl');

type TokenAnswer = { token: string; host: string; party: string; room: string; expiresAt: string };

async function connect(client: ApiClient, roomId: string) {
	const messages: RoomMessage[] = [];
	let closedWith: number | null = null;
	const first = await client.json<TokenAnswer>('POST', `/api/rooms/${roomId}/realtime-token`);
	expect(first.status).toBe(200);
	const socket = new PartySocket({
		host: first.body.host,
		party: first.body.party,
		room: first.body.room,
		protocol: 'ws',
		WebSocket,
		maxRetries: 0,
		// Each (re)connect asks Ferry for a fresh token, as the page does.
		query: async () => ({ token: (await client.json<TokenAnswer>('POST', `/api/rooms/${roomId}/realtime-token`)).body.token })
	});
	socket.addEventListener('message', (e: MessageEvent) => messages.push(JSON.parse(String(e.data)) as RoomMessage));
	socket.addEventListener('close', (e: CloseEvent) => (closedWith = e.code));
	const waitFor = async (match: (m: RoomMessage) => boolean, timeoutMs = 8000) => {
		const deadline = Date.now() + timeoutMs;
		while (Date.now() < deadline) {
			const found = messages.find(match);
			if (found) return found;
			await new Promise((r) => setTimeout(r, 25));
		}
		throw new Error(`no matching room message in ${timeoutMs} ms; got ${JSON.stringify(messages.map((m) => m.type))}`);
	};
	return { socket, messages, waitFor, closedCode: () => closedWith };
}

describe('Ferry and the room server together', () => {
	it('mints a room token only for members, and the room accepts it', async () => {
		const owner = await newUser(baseUrl, 'Ada');
		const room = await owner.client.json<{ id: string }>('POST', '/api/rooms', { name: 'Live' });
		const outsider = await newUser(baseUrl);
		expect((await outsider.client.json('POST', `/api/rooms/${room.body.id}/realtime-token`)).status).toBe(404);
		const live = await connect(owner.client, room.body.id);
		const snapshot = await live.waitFor((m) => m.type === 'snapshot');
		expect(snapshot).toMatchObject({ members: [expect.objectContaining({ userId: owner.id, userName: 'Ada', role: 'owner' })] });
		live.socket.close();
	});

	it('a completed upload reaches every member as file-added, even with the uploader offline', async () => {
		const owner = await newUser(baseUrl, 'Uploader');
		const room = await owner.client.json<{ id: string }>('POST', '/api/rooms', { name: 'Live files' });
		const watcher = await newUser(baseUrl, 'Watcher');
		const invite = await owner.client.json<{ token: string }>('POST', `/api/rooms/${room.body.id}/invites`, { role: 'viewer' });
		await watcher.client.post(`/api/invites/${invite.body.token}/accept`);
		const live = await connect(watcher.client, room.body.id);
		await live.waitFor((m) => m.type === 'snapshot');

		const data = new Uint8Array(new ArrayBuffer(1234)).fill(7);
		const created = await owner.client.json<{ uploadId: string; fileId: string }>('POST', '/api/uploads', { roomId: room.body.id, fileName: 'notes.txt', size: data.length, contentType: 'text/plain' });
		const signed = await owner.client.json<{ parts: { url: string; headers: Record<string, string> }[] }>('POST', `/api/uploads/${created.body.uploadId}/parts`, { partNumbers: [1] });
		const put = await fetch(signed.body.parts[0]!.url, { method: 'PUT', headers: signed.body.parts[0]!.headers, body: data });
		const etag = put.headers.get('etag')!;
		expect((await owner.client.json('POST', `/api/uploads/${created.body.uploadId}/complete`, { parts: [{ partNumber: 1, etag }] })).status).toBe(200);

		const added = await live.waitFor((m) => m.type === 'file-added');
		expect(added).toMatchObject({ file: { fileId: created.body.fileId, fileName: 'notes.txt', size: 1234 } });
		live.socket.close();
	});

	it('a removed member is disconnected from the room', async () => {
		const owner = await newUser(baseUrl, 'Owner');
		const room = await owner.client.json<{ id: string }>('POST', '/api/rooms', { name: 'Kick' });
		const member = await newUser(baseUrl, 'Leaving');
		const invite = await owner.client.json<{ token: string }>('POST', `/api/rooms/${room.body.id}/invites`, { role: 'member' });
		await member.client.post(`/api/invites/${invite.body.token}/accept`);
		const live = await connect(member.client, room.body.id);
		await live.waitFor((m) => m.type === 'snapshot');
		expect((await owner.client.delete(`/api/rooms/${room.body.id}/members/${member.id}`)).status).toBe(204);
		const deadline = Date.now() + 8000;
		while (live.closedCode() === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
		expect(live.closedCode()).toBe(4003);
		live.socket.close();
	});
});
