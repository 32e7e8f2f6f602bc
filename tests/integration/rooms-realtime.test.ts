/**
 * The room server as the browser and the SvelteKit server meet it: a real
 * `partykit dev` (workerd), partysocket clients, plain HTTP posts.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import PartySocket from 'partysocket';
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFailed } from 'vitest';
import WebSocket from 'ws';
import type { RoomMessage } from '../../party/room-messages';
import { signRoomToken, type RoomRole } from '../../party/room-token';
import { startPartyKit, type PartyKitServer } from '../helpers/partykit';

const secret = randomBytes(32).toString('base64url');
let server: PartyKitServer;
let startMs = 0;

beforeAll(async () => {
	const started = Date.now();
	server = await startPartyKit({ secret });
	startMs = Date.now() - started;
	console.info(`partykit dev ready on ${server.host} in ${startMs} ms`);
});

beforeEach(() => {
	// The room's own errors (stack traces from workerd) only show in partykit's output.
	onTestFailed(() => console.error(`partykit dev output:\n${server.logs()}`));
});

afterAll(async () => {
	await server?.stop();
});

/** Every test gets its own room so they cannot see each other's traffic. */
const newRoomId = () => `room-${randomUUID()}`;

interface Client {
	socket: PartySocket;
	messages: RoomMessage[];
	waitFor<T extends RoomMessage>(match: (m: RoomMessage) => m is T, timeoutMs?: number): Promise<T>;
	waitFor(match: (m: RoomMessage) => boolean, timeoutMs?: number): Promise<RoomMessage>;
	close(): void;
}

function token(roomId: string, userId: string, name: string, role: RoomRole = 'member') {
	return signRoomToken(secret, { sub: userId, name, room: roomId, role }, 60);
}

/** A partysocket client that asks for a fresh token on every (re)connect, as the page will. */
async function join(
	roomId: string,
	userId: string,
	name: string,
	role: RoomRole = 'member'
): Promise<Client> {
	const socket = new PartySocket({
		host: server.host,
		protocol: 'ws',
		room: roomId,
		query: async () => ({ token: await token(roomId, userId, name, role) }),
		WebSocket,
		maxRetries: 3
	});
	const messages: RoomMessage[] = [];
	const waiters = new Set<() => void>();
	socket.addEventListener('message', (event: MessageEvent) => {
		messages.push(JSON.parse(String(event.data)) as RoomMessage);
		for (const wake of waiters) wake();
	});
	const client: Client = {
		socket,
		messages,
		waitFor(match: (m: RoomMessage) => boolean, timeoutMs = 5000): Promise<RoomMessage> {
			const from = messages.length;
			return new Promise((resolve, reject) => {
				let next = 0;
				const check = () => {
					// Only messages that arrive after the call: earlier ones were for earlier steps.
					for (; from + next < messages.length; next++) {
						const m = messages[from + next]!;
						if (match(m)) {
							done();
							resolve(m);
							return;
						}
					}
				};
				const timer = setTimeout(() => {
					done();
					reject(
						new Error(
							`no matching message within ${timeoutMs} ms; got ${JSON.stringify(messages.slice(from))}`
						)
					);
				}, timeoutMs);
				const done = () => {
					clearTimeout(timer);
					waiters.delete(check);
				};
				waiters.add(check);
			});
		},
		close: () => socket.close()
	};
	return client;
}

const isType =
	<K extends RoomMessage['type']>(type: K) =>
	(m: RoomMessage): m is Extract<RoomMessage, { type: K }> =>
		m.type === type;

function progressMessage(
	roomId: string,
	uploadId: string,
	bytesUploaded: number,
	totalBytes = 1000
) {
	return JSON.stringify({
		type: 'file-upload-progress',
		fileId: `file-${uploadId}`,
		uploadId,
		fileName: 'holiday.mov',
		roomId,
		bytesUploaded,
		totalBytes,
		percentage: (bytesUploaded / totalBytes) * 100,
		uploadSpeed: 1_000_000,
		estimatedTimeRemaining: 3,
		// Lies the room must ignore: identity comes from the token.
		userId: 'someone-else',
		userName: 'Mallory'
	});
}

function roomUrl(roomId: string) {
	return `http://${server.host}/parties/main/${roomId}`;
}

function post(roomId: string, body: unknown, auth: string | null = secret) {
	return fetch(roomUrl(roomId), {
		method: 'POST',
		headers: {
			'Content-Type': 'application/json',
			...(auth === null ? {} : { Authorization: `Bearer ${auth}` })
		},
		body: JSON.stringify(body)
	});
}

/** HTTP status of the WebSocket upgrade; partysocket hides it, so this uses ws directly. */
function upgradeStatus(roomId: string, query: string): Promise<number> {
	return new Promise((resolve, reject) => {
		const ws = new WebSocket(`ws://${server.host}/parties/main/${roomId}${query}`);
		ws.on('unexpected-response', (_req, res) => {
			resolve(res.statusCode ?? 0);
			ws.terminate();
		});
		ws.on('open', () => {
			resolve(101);
			ws.close();
		});
		ws.on('error', reject);
	});
}

describe('rooms realtime (partykit dev)', () => {
	it('refuses connections without a valid token for this room', async () => {
		const roomId = newRoomId();
		const now = Math.floor(Date.now() / 1000);
		const expired = await signRoomToken(
			secret,
			{ sub: 'u1', name: 'A', room: roomId, role: 'member', iat: now - 600 },
			60
		);
		const valid = await token(roomId, 'u1', 'A');
		// Change the signature's first character: its last one also carries padding bits.
		const dot = valid.indexOf('.') + 1;
		const tampered = valid.slice(0, dot) + (valid[dot] === 'A' ? 'B' : 'A') + valid.slice(dot + 1);
		const otherRoom = await token(newRoomId(), 'u1', 'A');
		const otherSecret = await signRoomToken(`${secret}x`, {
			sub: 'u1',
			name: 'A',
			room: roomId,
			role: 'member'
		});

		expect(await upgradeStatus(roomId, '')).toBe(401);
		expect(await upgradeStatus(roomId, `?token=${expired}`)).toBe(401);
		expect(await upgradeStatus(roomId, `?token=${tampered}`)).toBe(401);
		expect(await upgradeStatus(roomId, `?token=${otherSecret}`)).toBe(401);
		expect(await upgradeStatus(roomId, `?token=${otherRoom}`)).toBe(403);
		// The same path with a good token opens, so the refusals above were about the token.
		expect(await upgradeStatus(roomId, `?token=${valid}`)).toBe(101);
	});

	it('shows two members each other and relays progress with identity from the token', async () => {
		const roomId = newRoomId();
		const ann = await join(roomId, 'u-ann', 'Ann');
		const annSnapshot = await ann.waitFor(isType('snapshot'));
		expect(annSnapshot.members).toEqual([{ userId: 'u-ann', userName: 'Ann', role: 'member' }]);

		const annSeesBob = ann.waitFor(isType('member-joined'));
		const bob = await join(roomId, 'u-bob', 'Bob');
		const bobSnapshot = await bob.waitFor(isType('snapshot'));
		expect(bobSnapshot.members.map((m) => m.userId).sort()).toEqual(['u-ann', 'u-bob']);
		expect((await annSeesBob).member).toEqual({ userId: 'u-bob', userName: 'Bob', role: 'member' });

		const annSeesProgress = ann.waitFor(isType('file-upload-progress'));
		bob.socket.send(progressMessage(roomId, 'up-bob', 250));
		expect(await annSeesProgress).toMatchObject({
			uploadId: 'up-bob',
			bytesUploaded: 250,
			userId: 'u-bob',
			userName: 'Bob',
			roomId
		});

		const bobSeesProgress = bob.waitFor(
			(m) => m.type === 'file-upload-progress' && m.uploadId === 'up-ann'
		);
		ann.socket.send(progressMessage(roomId, 'up-ann', 10));
		expect(await bobSeesProgress).toMatchObject({ userId: 'u-ann', userName: 'Ann' });

		const annSeesBobLeave = ann.waitFor(isType('member-left'));
		bob.close();
		expect(await annSeesBobLeave).toEqual({
			type: 'member-left',
			userId: 'u-bob',
			userName: 'Bob'
		});
		ann.close();
	});

	it('throttles a flood of progress to about 4 broadcasts a second and still delivers the final value', async () => {
		const roomId = newRoomId();
		const ann = await join(roomId, 'u-ann', 'Ann');
		const bob = await join(roomId, 'u-bob', 'Bob');
		await Promise.all([ann.waitFor(isType('snapshot')), bob.waitFor(isType('snapshot'))]);

		const isFlood = (m: RoomMessage) =>
			m.type === 'file-upload-progress' && m.uploadId === 'up-flood';
		const finalSeen = bob.waitFor(
			(m) => isFlood(m) && 'bytesUploaded' in m && m.bytesUploaded === 50_000
		);
		const started = Date.now();
		// 50 reports in 10 bursts of 5, 100 ms apart: one second of an over-eager client.
		for (let burst = 0; burst < 10; burst++) {
			for (let i = 1; i <= 5; i++)
				ann.socket.send(progressMessage(roomId, 'up-flood', (burst * 5 + i) * 1000, 50_000));
			await new Promise((resolve) => setTimeout(resolve, 100));
		}
		const sendingMs = Date.now() - started;
		await finalSeen;
		// Anything still on its way would arrive within one more throttle slot.
		await new Promise((resolve) => setTimeout(resolve, 400));

		const received = bob.messages.filter(isFlood) as Extract<
			RoomMessage,
			{ type: 'file-upload-progress' }
		>[];
		// One broadcast per 250 ms slot the sending spanned (timers stretch on a loaded machine), plus the trailing one.
		const allowed = Math.ceil(sendingMs / 250) + 1;
		expect(received.length).toBeLessThanOrEqual(allowed);
		expect(received.length).toBeLessThan(50);
		expect(received.length).toBeGreaterThanOrEqual(2);
		const bytes = received.map((m) => m.bytesUploaded);
		expect(bytes).toEqual([...bytes].sort((a, b) => a - b));
		expect(bytes.at(-1)).toBe(50_000);

		const stats = await fetch(roomUrl(roomId), { headers: { Authorization: `Bearer ${secret}` } });
		expect(stats.status).toBe(200);
		const body = (await stats.json()) as {
			stats: { messagesIn: number; coalesced: number; dropped: number };
		};
		expect(body.stats).toMatchObject({ messagesIn: 50, dropped: 0 });
		expect(body.stats.coalesced).toBeGreaterThanOrEqual(50 - received.length);
		ann.close();
		bob.close();
	});

	it('relays server posts made with the secret and refuses the others', async () => {
		const roomId = newRoomId();
		const ann = await join(roomId, 'u-ann', 'Ann');
		const bob = await join(roomId, 'u-bob', 'Bob', 'viewer');
		await Promise.all([ann.waitFor(isType('snapshot')), bob.waitFor(isType('snapshot'))]);

		const file = {
			fileId: 'f-1',
			fileName: 'report.pdf',
			size: 1234,
			contentType: 'application/pdf'
		};
		const seen = Promise.all([
			ann.waitFor(isType('file-added')),
			bob.waitFor(isType('file-added'))
		]);
		const res = await post(roomId, { type: 'file-added', file });
		expect(res.status).toBe(202);
		for (const m of await seen) expect(m).toEqual({ type: 'file-added', file });

		expect((await post(roomId, { type: 'file-added', file }, null)).status).toBe(401);
		expect((await post(roomId, { type: 'file-added', file }, `${secret}x`)).status).toBe(401);
		expect((await fetch(roomUrl(roomId))).status).toBe(401);
		expect((await post(roomId, { type: 'file-added' })).status).toBe(400);
		ann.close();
		bob.close();
	});

	it('sends a reconnecting client a snapshot with the active transfer', async () => {
		const roomId = newRoomId();
		const ann = await join(roomId, 'u-ann', 'Ann');
		await ann.waitFor(isType('snapshot'));
		const echoed = ann.waitFor(isType('file-upload-progress'));
		ann.socket.send(progressMessage(roomId, 'up-1', 400));
		await echoed;

		const again = ann.waitFor(isType('snapshot'));
		ann.socket.reconnect();
		const snapshot = await again;
		expect(snapshot.members).toEqual([{ userId: 'u-ann', userName: 'Ann', role: 'member' }]);
		expect(snapshot.transfers).toEqual([
			expect.objectContaining({
				uploadId: 'up-1',
				status: 'running',
				bytesUploaded: 400,
				userId: 'u-ann',
				userName: 'Ann'
			})
		]);
		ann.close();
	});

	it('disconnects every connection of a removed member', async () => {
		const roomId = newRoomId();
		const ann = await join(roomId, 'u-ann', 'Ann');
		await ann.waitFor(isType('snapshot'));
		// Plain ws so the close is observed as is, without partysocket reconnecting.
		const tabs = await Promise.all(
			[1, 2].map(async () => {
				const ws = new WebSocket(
					`ws://${server.host}/parties/main/${roomId}?token=${await token(roomId, 'u-bob', 'Bob')}`
				);
				await new Promise((resolve) => ws.once('message', resolve));
				return ws;
			})
		);
		const closes = tabs.map(
			(ws) => new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)))
		);
		const annSees = ann.waitFor(isType('member-removed'));
		expect((await post(roomId, { type: 'member-removed', userId: 'u-bob' })).status).toBe(202);
		expect(await Promise.all(closes)).toEqual([4003, 4003]);
		expect(await annSees).toEqual({ type: 'member-removed', userId: 'u-bob' });
		ann.close();
	});
});
