/**
 * One live connection to a Ferry room's PartyKit server, for as long as the room page is open.
 *
 * Live updates are a convenience: when the room server (or Ferry) is unreachable this keeps
 * retrying with backoff in the background and nothing else on the page waits for it. Every
 * (re)connect presents a room token fetched for it, because tokens live five minutes and a
 * reconnect may come hours after the page loaded. Browser only.
 */
import PartySocket from 'partysocket';
import type { ClientMessage, RoomMessage } from '../../../party/room-messages';
import { api } from '$lib/utils/api';
import { parseRoomMessage } from './parse-room-message';

/** The room closes a removed member's sockets with this code (party/room-state.ts). */
const CLOSE_REMOVED = 4003;
/** Fetch the next token this long before the current one expires. */
const TOKEN_MARGIN_MS = 60_000;
/** Backoff of the first token fetch, before a socket exists (the socket has its own). */
const BOOT_DELAYS_MS = [1000, 2000, 5000, 10_000, 30_000];

interface TokenAnswer {
	token: string;
	host: string;
	party: string;
	room: string;
	expiresAt: string;
}

/**
 * 'connecting': first attempt under way; 'open': live; 'reconnecting': lost, retrying;
 * 'ended': the room or Ferry says this user may not be here (removed, no longer a member).
 */
export type ConnectionStatus = 'connecting' | 'open' | 'reconnecting' | 'ended';

interface ConnectionEvents {
	message: RoomMessage;
	status: ConnectionStatus;
}

type Listener<K extends keyof ConnectionEvents> = (value: ConnectionEvents[K]) => void;

export class RoomConnection {
	readonly roomId: string;
	#socket: PartySocket | null = null;
	#status: ConnectionStatus = 'connecting';
	#closed = false;
	/** A token fetched ahead of time for the next connect; used once. */
	#spare: { token: string; expiresAt: number } | null = null;
	#refreshTimer: ReturnType<typeof setTimeout> | null = null;
	#bootTimer: ReturnType<typeof setTimeout> | null = null;
	#listeners: { [K in keyof ConnectionEvents]: Set<Listener<K>> } = {
		message: new Set(),
		status: new Set()
	};

	constructor(roomId: string) {
		this.roomId = roomId;
	}

	get status(): ConnectionStatus {
		return this.#status;
	}

	on<K extends keyof ConnectionEvents>(type: K, listener: Listener<K>): () => void {
		const set = this.#listeners[type] as Set<Listener<K>>;
		set.add(listener);
		return () => set.delete(listener);
	}

	/** Status starts as 'connecting'; listeners hear every change after that. */
	start(): void {
		void this.#boot(0);
	}

	/** Sends when live; drops otherwise (callers re-announce what matters on 'open'). */
	send(message: ClientMessage): boolean {
		const socket = this.#socket;
		if (!socket || socket.readyState !== socket.OPEN) return false;
		socket.send(JSON.stringify(message));
		return true;
	}

	close(): void {
		if (this.#closed) return;
		this.#closed = true;
		if (this.#refreshTimer !== null) clearTimeout(this.#refreshTimer);
		if (this.#bootTimer !== null) clearTimeout(this.#bootTimer);
		this.#socket?.close(1000, 'page left');
		this.#socket = null;
		this.#listeners.message.clear();
		this.#listeners.status.clear();
	}

	/** The first token also says where the room server is; until it comes, retry with backoff. */
	async #boot(attempt: number): Promise<void> {
		let first: TokenAnswer;
		try {
			first = await this.#fetchToken();
		} catch (error) {
			if (this.#closed) return;
			if (isRefusal(error)) return this.#end();
			this.#emitStatus('reconnecting');
			const delay = BOOT_DELAYS_MS[Math.min(attempt, BOOT_DELAYS_MS.length - 1)]!;
			this.#bootTimer = setTimeout(() => void this.#boot(attempt + 1), jitter(delay));
			return;
		}
		if (this.#closed) return;
		this.#spare = { token: first.token, expiresAt: Date.parse(first.expiresAt) };
		const socket = new PartySocket({
			host: first.host,
			party: first.party,
			room: first.room,
			// Same scheme as the page: a page served over https may only open wss.
			protocol: location.protocol === 'https:' ? 'wss' : 'ws',
			query: () => this.#nextQuery(),
			minReconnectionDelay: jitter(1000),
			maxReconnectionDelay: 30_000,
			reconnectionDelayGrowFactor: 1.6,
			connectionTimeout: 8000,
			// Progress is only worth sending live; what matters is re-sent on 'open'.
			maxEnqueuedMessages: 0,
			shouldReconnectOnClose: (event) => event.code !== CLOSE_REMOVED
		});
		this.#socket = socket;
		socket.addEventListener('open', () => this.#emitStatus('open'));
		socket.addEventListener('close', (event) => {
			if (this.#closed) return;
			if (event.code === CLOSE_REMOVED) this.#end();
			else this.#emitStatus('reconnecting');
		});
		socket.addEventListener('error', () => {
			if (!this.#closed && this.#status !== 'ended') this.#emitStatus('reconnecting');
		});
		socket.addEventListener('message', (event: MessageEvent) => {
			const message = parseRoomMessage(event.data);
			if (message === null) return;
			for (const listener of this.#listeners.message) listener(message);
		});
	}

	/** partysocket calls this before each connect: a spare token if still good, else a fresh one. */
	async #nextQuery(): Promise<{ token: string }> {
		const spare = this.#spare;
		this.#spare = null;
		if (spare && spare.expiresAt - Date.now() > TOKEN_MARGIN_MS) {
			this.#scheduleRefresh(spare.expiresAt);
			return { token: spare.token };
		}
		try {
			const answer = await this.#fetchToken();
			this.#scheduleRefresh(Date.parse(answer.expiresAt));
			return { token: answer.token };
		} catch (error) {
			// Throwing makes partysocket back off and call us again; a refusal ends it for good.
			if (isRefusal(error)) this.#end();
			throw error;
		}
	}

	/**
	 * An open connection does not need a valid token, but the next reconnect does: keep a spare
	 * one ready so a reconnect does not also wait for Ferry (or fail while Ferry is down).
	 */
	#scheduleRefresh(expiresAt: number): void {
		if (this.#refreshTimer !== null) clearTimeout(this.#refreshTimer);
		const delay = Math.max(5_000, expiresAt - Date.now() - TOKEN_MARGIN_MS - 5_000);
		this.#refreshTimer = setTimeout(() => {
			this.#refreshTimer = null;
			if (this.#closed || this.#status === 'ended') return;
			this.#fetchToken().then(
				(answer) => {
					const expires = Date.parse(answer.expiresAt);
					this.#spare = { token: answer.token, expiresAt: expires };
					this.#scheduleRefresh(expires);
				},
				(error: unknown) => {
					if (isRefusal(error)) this.#end();
					// Otherwise the next connect fetches its own.
				}
			);
		}, delay);
	}

	#fetchToken(): Promise<TokenAnswer> {
		return api<TokenAnswer>('POST', `/api/rooms/${encodeURIComponent(this.roomId)}/realtime-token`);
	}

	#end(): void {
		if (this.#closed) return;
		this.#socket?.close(1000, 'ended');
		this.#emitStatus('ended');
	}

	#emitStatus(status: ConnectionStatus): void {
		if (this.#status === 'ended' || this.#status === status) return;
		this.#status = status;
		for (const listener of this.#listeners.status) listener(status);
	}
}

/** Ferry says no (signed out, not or no longer a member): retrying will not help. */
function isRefusal(error: unknown): boolean {
	const status = (error as { status?: unknown } | null)?.status;
	return status === 401 || status === 403 || status === 404;
}

function jitter(ms: number): number {
	return Math.round(ms * (0.8 + Math.random() * 0.4));
}
