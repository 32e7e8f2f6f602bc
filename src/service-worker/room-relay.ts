/**
 * Tells each room about the uploads the service worker drives while no tab is open, as the
 * room page's own reporter does for a tab (components/room-live.svelte): started, progress at
 * most 4 times a second, completed or failed. One live connection per room, opened with the
 * member's session (the service worker's fetches carry its cookie) and closed shortly after
 * the room's last upload here ends, so the final message gets out.
 *
 * Pauses are not reported: the service worker pauses only to hand a transfer to a tab or
 * because its grant ends, and the tab (or the next grant) goes on at once.
 */
import { RoomConnection } from '$lib/realtime/room-connection';
import { TransferReporter } from '$lib/realtime/transfer-reporter';
import type { TransferSummary } from '$lib/workers/upload-protocol';

/** How long a room's connection stays after its last upload here ended. */
const LINGER_MS = 2_000;

/** What the relay needs of a live connection (RoomConnection; a fake in unit tests). */
export type RelayConnection = Pick<RoomConnection, 'send' | 'on' | 'start' | 'close'>;

interface Room {
	connection: RelayConnection;
	reporter: TransferReporter;
	summaries: Map<string, TransferSummary>;
	closeTimer: ReturnType<typeof setTimeout> | null;
}

export class BackgroundRoomRelay {
	readonly #rooms = new Map<string, Room>();

	constructor(
		private readonly connect: (roomId: string) => RelayConnection = (roomId) =>
			new RoomConnection(roomId),
		private readonly lingerMs = LINGER_MS
	) {}

	/** A driven transfer changed (every `transfer:updated` the service worker emits). */
	update(summary: TransferSummary): void {
		if (summary.state.status === 'paused') return;
		const room = this.#room(summary.roomId);
		room.summaries.set(summary.transferId, summary);
		room.reporter.update([...room.summaries.values()]);
	}

	/** The service worker let the transfer go (finished, or handed to a tab). */
	forget(roomId: string, transferId: string): void {
		const room = this.#rooms.get(roomId);
		if (!room || !room.summaries.delete(transferId)) return;
		room.reporter.update([...room.summaries.values()]);
		if (room.summaries.size > 0 || room.closeTimer) return;
		room.closeTimer = setTimeout(() => {
			room.closeTimer = null;
			if (room.summaries.size > 0) return;
			room.reporter.dispose();
			room.connection.close();
			this.#rooms.delete(roomId);
		}, this.lingerMs);
	}

	#room(roomId: string): Room {
		const existing = this.#rooms.get(roomId);
		if (existing) {
			if (existing.closeTimer) clearTimeout(existing.closeTimer);
			existing.closeTimer = null;
			return existing;
		}
		const connection = this.connect(roomId);
		const reporter = new TransferReporter(
			roomId,
			(message) => void connection.send(message),
			'background'
		);
		// Messages sent before the socket opened were dropped: say again what is running.
		connection.on('status', (status) => {
			if (status === 'open') reporter.reannounce();
		});
		connection.start();
		const room: Room = { connection, reporter, summaries: new Map(), closeTimer: null };
		this.#rooms.set(roomId, room);
		return room;
	}
}
