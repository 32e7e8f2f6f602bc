import { describe, expect, inject, it } from 'vitest';
import { newUser, type ApiClient } from '../helpers/api-client';

const baseUrl = inject('ferryUrl');

/** `viewer: true` routes are open to viewers; the rest need a stronger role. */
type Route = { method: string; path: (room: string, userId: string) => string; body?: unknown; viewer?: boolean };

const bodyFor = (route: Route, roomId: string) => (route.body === 'upload' ? { roomId, fileName: 'a.txt', size: 1 } : route.body);

/** Every room-scoped route, with a body a member could legitimately send. */
const roomRoutes: Route[] = [
	{ method: 'GET', path: (r) => `/api/rooms/${r}`, viewer: true },
	{ method: 'PATCH', path: (r) => `/api/rooms/${r}`, body: { name: 'renamed' } },
	{ method: 'DELETE', path: (r) => `/api/rooms/${r}` },
	{ method: 'GET', path: (r) => `/api/rooms/${r}/members`, viewer: true },
	{ method: 'PATCH', path: (r, u) => `/api/rooms/${r}/members/${u}`, body: { role: 'viewer' } },
	{ method: 'DELETE', path: (r, u) => `/api/rooms/${r}/members/${u}` },
	{ method: 'GET', path: (r) => `/api/rooms/${r}/invites` },
	{ method: 'POST', path: (r) => `/api/rooms/${r}/invites`, body: { role: 'member' } },
	{ method: 'GET', path: (r) => `/api/rooms/${r}/audit` },
	{ method: 'GET', path: (r) => `/api/rooms/${r}/files`, viewer: true },
	{ method: 'POST', path: (r) => `/api/rooms/${r}/realtime-token`, viewer: true },
	{ method: 'POST', path: () => '/api/uploads', body: 'upload', viewer: false }
];

async function roomWithOwner() {
	const owner = await newUser(baseUrl, 'Owner');
	const room = await owner.client.json<{ id: string; name: string }>('POST', '/api/rooms', { name: 'Project X' });
	expect(room.status).toBe(201);
	return { owner, roomId: room.body.id };
}

async function invite(client: ApiClient, roomId: string, role: 'member' | 'viewer') {
	const res = await client.json<{ token: string; url: string }>('POST', `/api/rooms/${roomId}/invites`, { role });
	expect(res.status).toBe(201);
	return res.body;
}

describe('rooms', () => {
	it('creates, lists, renames and deletes a room (owner)', async () => {
		const { owner, roomId } = await roomWithOwner();
		const list = await owner.client.json<{ rooms: { id: string; role: string }[] }>('GET', '/api/rooms');
		expect(list.body.rooms).toEqual([expect.objectContaining({ id: roomId, role: 'owner' })]);
		expect((await owner.client.json('PATCH', `/api/rooms/${roomId}`, { name: 'New name' })).body).toEqual({ id: roomId, name: 'New name' });
		expect((await owner.client.delete(`/api/rooms/${roomId}`)).status).toBe(204);
		expect((await owner.client.get(`/api/rooms/${roomId}`)).status).toBe(404);
	});

	it('validates room names', async () => {
		const { client } = await newUser(baseUrl);
		for (const name of ['', '   ', 'x'.repeat(101), 'bad\u0007name', 42]) {
			const res = await client.json<{ error: { code: string } }>('POST', '/api/rooms', { name });
			expect(res.status).toBe(400);
			expect(res.body.error.code).toBe('invalid_request');
		}
	});

	it('invites by link: the second user joins with the invite role and both see the room', async () => {
		const { owner, roomId } = await roomWithOwner();
		const link = await invite(owner.client, roomId, 'member');
		expect(link.url).toBe(`${baseUrl}/invite/${link.token}`);
		const guest = await newUser(baseUrl, 'Guest');
		const accepted = await guest.client.json<{ roomId: string; role: string }>('POST', `/api/invites/${link.token}/accept`);
		expect(accepted.body).toMatchObject({ roomId, role: 'member' });
		const members = await guest.client.json<{ members: { userId: string; role: string }[] }>('GET', `/api/rooms/${roomId}/members`);
		expect(members.body.members.map((m) => m.role).sort()).toEqual(['member', 'owner']);
	});

	it('refuses unknown and expired invite tokens', async () => {
		const guest = await newUser(baseUrl);
		const res = await guest.client.json<{ error: { code: string } }>('POST', '/api/invites/notarealtoken/accept');
		expect(res.status).toBe(404);
		expect(res.body.error.code).toBe('invite_not_found');
	});

	it('a non-member gets 404 on every room-scoped route and learns nothing', async () => {
		const { owner, roomId } = await roomWithOwner();
		const outsider = await newUser(baseUrl, 'Outsider');
		for (const route of roomRoutes) {
			const res = await outsider.client.json<{ error: { code: string } }>(route.method, route.path(roomId, owner.id), bodyFor(route, roomId));
			expect(res.status, `${route.method} ${route.path(':room', ':user')}`).toBe(404);
			expect(res.body.error.code).toBe('room_not_found');
		}
		// The room is untouched.
		const room = await owner.client.json<{ name: string; members: unknown[] }>('GET', `/api/rooms/${roomId}`);
		expect(room.body.name).toBe('Project X');
		expect(room.body.members).toHaveLength(1);
	});

	it('a signed-out caller gets 401 on every room-scoped route', async () => {
		const { owner, roomId } = await roomWithOwner();
		for (const route of roomRoutes) {
			const res = await fetch(baseUrl + route.path(roomId, owner.id), {
				method: route.method,
				headers: { 'content-type': 'application/json' },
				body: route.body ? JSON.stringify(bodyFor(route, roomId)) : undefined
			});
			expect(res.status, `${route.method} ${route.path(':room', ':user')}`).toBe(401);
		}
	});

	it('a viewer can read but gets 403 on every owner-only route', async () => {
		const { owner, roomId } = await roomWithOwner();
		const viewer = await newUser(baseUrl, 'Viewer');
		await viewer.client.post(`/api/invites/${(await invite(owner.client, roomId, 'viewer')).token}/accept`);
		const ownerOnly = roomRoutes.filter((r) => !r.viewer);
		for (const route of ownerOnly) {
			// Leaving is the one thing a viewer may do to themselves; aim member routes at the owner.
			const res = await viewer.client.json(route.method, route.path(roomId, owner.id), bodyFor(route, roomId));
			expect(res.status, `${route.method} ${route.path(':room', ':user')}`).toBe(403);
		}
		for (const route of roomRoutes.filter((r) => r.viewer)) {
			const res = await viewer.client.json(route.method, route.path(roomId, owner.id), bodyFor(route, roomId));
			expect(res.status, `${route.method} ${route.path(':room', ':user')}`).toBe(200);
		}
	});

	it('members may leave; the last owner may not; owners change roles', async () => {
		const { owner, roomId } = await roomWithOwner();
		const member = await newUser(baseUrl);
		await member.client.post(`/api/invites/${(await invite(owner.client, roomId, 'member')).token}/accept`);
		const lastOwner = await owner.client.json<{ error: { code: string } }>('DELETE', `/api/rooms/${roomId}/members/${owner.id}`);
		expect(lastOwner.status).toBe(409);
		expect(lastOwner.body.error.code).toBe('last_owner');
		expect((await owner.client.json('PATCH', `/api/rooms/${roomId}/members/${member.id}`, { role: 'viewer' })).status).toBe(200);
		expect((await owner.client.json('PATCH', `/api/rooms/${roomId}/members/${member.id}`, { role: 'admin' })).status).toBe(400);
		expect((await member.client.delete(`/api/rooms/${roomId}/members/${member.id}`)).status).toBe(204);
		expect((await member.client.get(`/api/rooms/${roomId}`)).status).toBe(404);
	});

	it('owners read the room audit log: room created, invite created, member joined', async () => {
		const { owner, roomId } = await roomWithOwner();
		const member = await newUser(baseUrl, 'Joiner');
		await member.client.post(`/api/invites/${(await invite(owner.client, roomId, 'member')).token}/accept`);
		const log = await owner.client.json<{ entries: { action: string; actorUserId: string; ip: string }[] }>('GET', `/api/rooms/${roomId}/audit`);
		expect(log.body.entries.map((e) => e.action).reverse()).toEqual(['room_created', 'invite_created', 'room_joined']);
		expect(log.body.entries[0]).toMatchObject({ actorUserId: member.id });
		expect((await member.client.get(`/api/rooms/${roomId}/audit`)).status).toBe(403);
	});
});
