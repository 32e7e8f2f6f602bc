/**
 * PartyKit shell for one Ferry room: checks who connects, turns socket and
 * HTTP traffic into reducer events, carries out the effects and keeps the one
 * timer the reducer asks for. The room's behaviour lives in room-state.ts.
 */
import type * as Party from 'partykit/server';
import { parseServerPost } from './room-messages';
import {
	createRoomState,
	nextWakeAt,
	reduce,
	type Effect,
	type RoomEvent,
	type RoomState
} from './room-state';
import { timingSafeEqual, verifyRoomToken, type RoomTokenResult } from './room-token';

export default class FerryRoom implements Party.Server {
	// State lives in memory and the wake-up timer is a plain setTimeout, so the
	// room must stay resident while sockets are open: no hibernation.
	readonly options: Party.ServerOptions = { hibernate: false };

	private state: RoomState;
	private timer: ReturnType<typeof setTimeout> | null = null;
	private timerAt: number | null = null;

	constructor(readonly room: Party.Room) {
		this.state = createRoomState(room.id);
	}

	/**
	 * Refuses the WebSocket upgrade with a real HTTP status before the room is
	 * even woken. onConnect checks again because other parties can open sockets
	 * to a room without passing through here.
	 */
	static async onBeforeConnect(
		req: Party.Request,
		lobby: Party.Lobby
	): Promise<Party.Request | Response> {
		const result = await checkToken(req.url, lobby.id, lobby.env);
		if (result.ok) return req;
		const status = result.code === 'wrong-room' ? 403 : result.code === 'no-secret' ? 500 : 401;
		return new Response(`room token refused: ${result.code}`, { status });
	}

	async onConnect(connection: Party.Connection, ctx: Party.ConnectionContext): Promise<void> {
		const result = await checkToken(ctx.request.url, this.room.id, this.room.env);
		if (!result.ok) {
			connection.close(
				result.code === 'wrong-room' ? 4403 : 4401,
				`room token refused: ${result.code}`
			);
			return;
		}
		const { sub, name, role, iat } = result.claims;
		this.dispatch({
			type: 'connected',
			connectionId: connection.id,
			member: { userId: sub, userName: name, role },
			issuedAt: iat * 1000
		});
	}

	onMessage(message: string | ArrayBuffer | ArrayBufferView, sender: Party.Connection): void {
		// Binary frames are not part of the protocol; the reducer counts them as dropped.
		this.dispatch({
			type: 'message',
			connectionId: sender.id,
			raw: typeof message === 'string' ? message : null
		});
	}

	onClose(connection: Party.Connection): void {
		this.dispatch({ type: 'disconnected', connectionId: connection.id });
	}

	onError(connection: Party.Connection): void {
		this.dispatch({ type: 'disconnected', connectionId: connection.id });
	}

	/** Server-to-server: the SvelteKit server posts events (POST) and reads stats (GET). */
	async onRequest(req: Party.Request): Promise<Response> {
		const secret = roomSecret(this.room.env);
		if (secret === null)
			return new Response('room server has no FERRY_ROOM_SECRET', { status: 500 });
		const given = req.headers.get('Authorization')?.replace(/^Bearer /, '') ?? '';
		if (!timingSafeEqual(given, secret)) return new Response('unauthorized', { status: 401 });

		if (req.method === 'GET') {
			const { stats, connections, transfers } = this.state;
			return Response.json({
				roomId: this.room.id,
				stats,
				connections: connections.size,
				transfers: transfers.size
			});
		}
		if (req.method !== 'POST')
			return new Response('method not allowed', { status: 405, headers: { Allow: 'GET, POST' } });

		let body: unknown;
		try {
			body = await req.json();
		} catch {
			return new Response('body is not JSON', { status: 400 });
		}
		const post = parseServerPost(body);
		if (post === null) return new Response('unknown or malformed event', { status: 400 });
		this.dispatch({ type: 'server-post', post });
		return Response.json({ ok: true }, { status: 202 });
	}

	private dispatch(event: RoomEvent): void {
		const { state, effects } = reduce(this.state, event, Date.now());
		this.state = state;
		for (const effect of effects) this.apply(effect);
		this.schedule(nextWakeAt(state));
	}

	private apply(effect: Effect): void {
		switch (effect.kind) {
			case 'broadcast': {
				// Not room.broadcast: it stops at the first socket that is closing and
				// throws, so everyone after it would miss the message.
				const text = JSON.stringify(effect.message);
				for (const connection of this.room.getConnections()) {
					if (!effect.except?.includes(connection.id)) sendQuietly(connection, text);
				}
				return;
			}
			case 'send': {
				const connection = this.room.getConnection(effect.connectionId);
				if (connection) sendQuietly(connection, JSON.stringify(effect.message));
				return;
			}
			case 'close':
				for (const id of effect.connectionIds)
					this.room.getConnection(id)?.close(effect.code, effect.reason);
				return;
		}
	}

	/** One timer for the earliest deadline; re-armed only when that deadline moves. */
	private schedule(at: number | null): void {
		if (at === this.timerAt) return;
		if (this.timer !== null) clearTimeout(this.timer);
		this.timer = null;
		this.timerAt = at;
		if (at === null) return;
		this.timer = setTimeout(
			() => {
				this.timer = null;
				this.timerAt = null;
				this.dispatch({ type: 'tick' });
			},
			Math.max(0, at - Date.now())
		);
	}
}

FerryRoom satisfies Party.Worker;

type TokenCheck = RoomTokenResult | { ok: false; code: 'no-secret' };

async function checkToken(
	url: string,
	roomId: string,
	env: Record<string, unknown>
): Promise<TokenCheck> {
	const secret = roomSecret(env);
	if (secret === null) return { ok: false, code: 'no-secret' };
	const token = new URL(url).searchParams.get('token');
	return verifyRoomToken(secret, token, roomId, Date.now());
}

/** A socket closing under us is not an error: its close event will tell the reducer. */
function sendQuietly(connection: Party.Connection, text: string): void {
	try {
		connection.send(text);
	} catch {
		// closed between the reducer's decision and this send
	}
}

function roomSecret(env: Record<string, unknown>): string | null {
	const secret = env.FERRY_ROOM_SECRET;
	return typeof secret === 'string' && secret !== '' ? secret : null;
}
