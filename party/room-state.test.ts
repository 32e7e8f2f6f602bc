import { describe, expect, it } from 'vitest';
import type { Member, RoomMessage } from './room-messages';
import {
	CLOSE_REMOVED,
	PROGRESS_INTERVAL_MS,
	STALL_AFTER_MS,
	createRoomState,
	nextWakeAt,
	reduce,
	type Effect,
	type RoomEvent,
	type RoomState
} from './room-state';

const ann: Member = { userId: 'u-ann', userName: 'Ann', role: 'owner' };
const bob: Member = { userId: 'u-bob', userName: 'Bob', role: 'member' };
const vic: Member = { userId: 'u-vic', userName: 'Vic', role: 'viewer' };
const T0 = 1_700_000_000_000;

/** Drives the reducer the way the shell does and keeps every effect. */
function room() {
	let state: RoomState = createRoomState('room-1');
	let effects: Effect[] = [];
	const api = {
		get state() {
			return state;
		},
		dispatch(event: RoomEvent, now: number) {
			const result = reduce(state, event, now);
			state = result.state;
			effects.push(...result.effects);
			return result.effects;
		},
		connect(connectionId: string, member: Member, now = T0) {
			return api.dispatch({ type: 'connected', connectionId, member, issuedAt: now - 1000 }, now);
		},
		send(connectionId: string, message: unknown, now: number) {
			const raw = typeof message === 'string' ? message : JSON.stringify(message);
			return api.dispatch({ type: 'message', connectionId, raw }, now);
		},
		/** Broadcast messages since the last call. */
		takeBroadcasts(): RoomMessage[] {
			const out = effects.flatMap((e) => (e.kind === 'broadcast' ? [e.message] : []));
			effects = [];
			return out;
		}
	};
	return api;
}

function progress(uploadId: string, bytesUploaded: number, extra: Record<string, unknown> = {}) {
	return {
		type: 'file-upload-progress',
		fileId: `file-${uploadId}`,
		uploadId,
		fileName: 'movie.mkv',
		roomId: 'room-1',
		bytesUploaded,
		totalBytes: 1000,
		percentage: bytesUploaded / 10,
		uploadSpeed: 100,
		estimatedTimeRemaining: (1000 - bytesUploaded) / 100,
		...extra
	};
}

function upload(type: string, uploadId: string, extra: Record<string, unknown> = {}) {
	return { type, fileId: `file-${uploadId}`, uploadId, fileName: 'movie.mkv', ...extra };
}

const progressBytes = (messages: RoomMessage[]) =>
	messages.flatMap((m) => (m.type === 'file-upload-progress' ? [m.bytesUploaded] : []));

describe('progress throttle', () => {
	it('broadcasts at most once per interval and flushes the newest value when the slot comes', () => {
		const r = room();
		r.connect('c-ann', ann);
		r.takeBroadcasts();
		// 50 reports within one second, 20 ms apart.
		for (let i = 1; i <= 50; i++) r.send('c-ann', progress('up-1', i * 20), T0 + i * 20);
		const immediate = progressBytes(r.takeBroadcasts());
		expect(immediate).toEqual([20, 280, 540, 800]);
		// The last report (1000) arrived inside a throttled window; the shell's tick delivers it.
		const wake = nextWakeAt(r.state) ?? 0;
		r.dispatch({ type: 'tick' }, wake);
		expect(wake).toBe(T0 + 800 + PROGRESS_INTERVAL_MS);
		expect(progressBytes(r.takeBroadcasts())).toEqual([1000]);
		expect(r.state.stats.coalesced).toBe(50 - immediate.length);
	});

	it('never lets two progress broadcasts of one transfer be closer than the interval', () => {
		const r = room();
		r.connect('c-ann', ann);
		const times: number[] = [];
		for (let t = 0; t <= 2000; t += 7) {
			const now = T0 + t;
			const wake = nextWakeAt(r.state);
			if (wake !== null && wake <= now) {
				r.dispatch({ type: 'tick' }, wake);
				if (progressBytes(r.takeBroadcasts()).length > 0) times.push(wake);
			}
			r.send('c-ann', progress('up-1', Math.min(t, 1000)), now);
			if (progressBytes(r.takeBroadcasts()).length > 0) times.push(now);
		}
		const gaps = times.slice(1).map((t, i) => t - times[i]!);
		expect(Math.min(...gaps)).toBeGreaterThanOrEqual(PROGRESS_INTERVAL_MS);
		expect(times.length).toBeGreaterThanOrEqual(7);
	});

	it('flushes a held-back value before pause, completion and failure', () => {
		for (const final of ['file-upload-paused', 'file-upload-completed', 'file-upload-failed']) {
			const r = room();
			r.connect('c-ann', ann);
			r.send('c-ann', progress('up-1', 100), T0 + 10);
			r.send('c-ann', progress('up-1', 180), T0 + 50);
			r.takeBroadcasts();
			r.send('c-ann', upload(final, 'up-1', { error: 'network' }), T0 + 60);
			const out = r.takeBroadcasts();
			expect(out.map((m) => m.type)).toEqual(['file-upload-progress', final]);
			expect(progressBytes(out)).toEqual([180]);
		}
	});

	it('throttles each transfer on its own', () => {
		const r = room();
		r.connect('c-ann', ann);
		r.send('c-ann', progress('up-1', 10), T0 + 1);
		r.send('c-ann', progress('up-2', 10), T0 + 2);
		expect(progressBytes(r.takeBroadcasts())).toEqual([10, 10]);
	});
});

describe('late joiners', () => {
	it('get a snapshot with the members online and the latest progress, held-back values included', () => {
		const r = room();
		r.connect('c-ann', ann, T0);
		r.send('c-ann', upload('file-upload-started', 'up-1', { totalBytes: 1000 }), T0 + 5);
		r.send('c-ann', progress('up-1', 300), T0 + 10);
		r.send('c-ann', progress('up-1', 400), T0 + 20); // throttled, not broadcast yet
		r.send('c-ann', progress('up-2', 50), T0 + 30);
		r.send('c-ann', upload('file-upload-paused', 'up-2'), T0 + 40);
		const effects = r.connect('c-bob', bob, T0 + 50);
		const snapshot = effects.find((e) => e.kind === 'send');
		expect(snapshot).toMatchObject({ kind: 'send', connectionId: 'c-bob' });
		const message = snapshot?.kind === 'send' ? snapshot.message : null;
		expect(message).toMatchObject({
			type: 'snapshot',
			roomId: 'room-1',
			members: [ann, bob],
			transfers: [
				{
					uploadId: 'up-1',
					status: 'running',
					bytesUploaded: 400,
					userId: 'u-ann',
					userName: 'Ann'
				},
				{ uploadId: 'up-2', status: 'paused', bytesUploaded: 50 }
			],
			files: []
		});
	});

	it('do not see finished transfers, and see files the server announced', () => {
		const r = room();
		r.connect('c-ann', ann);
		r.send('c-ann', progress('up-1', 1000), T0 + 10);
		r.send('c-ann', upload('file-upload-completed', 'up-1'), T0 + 20);
		r.dispatch(
			{
				type: 'server-post',
				post: { type: 'file-added', file: { fileId: 'f-9', fileName: 'a.txt', size: 3 } }
			},
			T0 + 30
		);
		const effects = r.connect('c-bob', bob, T0 + 40);
		const snapshot = effects.find((e) => e.kind === 'send');
		expect(snapshot?.kind === 'send' && snapshot.message).toMatchObject({
			transfers: [],
			files: [{ fileId: 'f-9', fileName: 'a.txt', size: 3 }]
		});
	});
});

describe('stalled transfers', () => {
	it('are announced once after 30 s of silence and shown as stalled to late joiners', () => {
		const r = room();
		r.connect('c-ann', ann);
		r.send('c-ann', progress('up-1', 500), T0 + 10);
		r.takeBroadcasts();
		expect(nextWakeAt(r.state)).toBe(T0 + 10 + STALL_AFTER_MS);

		r.dispatch({ type: 'tick' }, T0 + 10 + STALL_AFTER_MS - 1);
		expect(r.takeBroadcasts()).toEqual([]);

		r.dispatch({ type: 'tick' }, T0 + 10 + STALL_AFTER_MS);
		expect(r.takeBroadcasts()).toMatchObject([
			{ type: 'file-upload-stalled', uploadId: 'up-1', bytesUploaded: 500 }
		]);
		r.dispatch({ type: 'tick' }, T0 + 60_000);
		expect(r.takeBroadcasts()).toEqual([]);
		expect(nextWakeAt(r.state)).toBeNull();

		const snapshot = r.connect('c-bob', bob, T0 + 61_000).find((e) => e.kind === 'send');
		expect(snapshot?.kind === 'send' && snapshot.message).toMatchObject({
			transfers: [{ status: 'stalled' }]
		});
	});

	it('are detected on connect even when no tick came, and run again on the next report', () => {
		const r = room();
		r.connect('c-ann', ann);
		r.send('c-ann', progress('up-1', 500), T0);
		const effects = r.connect('c-bob', bob, T0 + STALL_AFTER_MS + 5);
		const snapshot = effects.find((e) => e.kind === 'send');
		expect(snapshot?.kind === 'send' && snapshot.message).toMatchObject({
			transfers: [{ status: 'stalled' }]
		});
		r.send('c-ann', progress('up-1', 600), T0 + STALL_AFTER_MS + 10);
		expect(r.state.transfers.get('up-1')?.status).toBe('running');
	});

	it('do not include paused transfers, which are silent on purpose', () => {
		const r = room();
		r.connect('c-ann', ann);
		r.send('c-ann', progress('up-1', 500), T0);
		r.send('c-ann', upload('file-upload-paused', 'up-1'), T0 + 1);
		r.dispatch({ type: 'tick' }, T0 + 10 * STALL_AFTER_MS);
		expect(r.state.transfers.get('up-1')?.status).toBe('paused');
	});
});

describe('who may report an upload', () => {
	it('refuses progress for an uploadId another user reported first, even after it finished', () => {
		const r = room();
		r.connect('c-ann', ann);
		r.connect('c-bob', bob);
		r.send('c-ann', progress('up-1', 100), T0 + 10);
		r.send('c-ann', upload('file-upload-completed', 'up-1'), T0 + 20);
		r.takeBroadcasts();
		r.send('c-bob', progress('up-1', 900), T0 + 500);
		r.send('c-bob', upload('file-upload-failed', 'up-1', { error: 'x' }), T0 + 600);
		expect(r.takeBroadcasts()).toEqual([]);
		expect(r.state.stats.rejected).toBe(2);
	});

	it('lets the same user report from a second tab', () => {
		const r = room();
		r.connect('c-ann-1', ann);
		r.connect('c-ann-2', ann);
		r.send('c-ann-1', progress('up-1', 100), T0 + 10);
		r.takeBroadcasts();
		r.send('c-ann-2', progress('up-1', 200), T0 + 500);
		expect(progressBytes(r.takeBroadcasts())).toEqual([200]);
	});

	it('refuses every upload report from a viewer', () => {
		const r = room();
		r.connect('c-vic', vic);
		r.takeBroadcasts();
		r.send('c-vic', upload('file-upload-started', 'up-v', { totalBytes: 5 }), T0 + 1);
		r.send('c-vic', progress('up-v', 1), T0 + 2);
		expect(r.takeBroadcasts()).toEqual([]);
		expect(r.state.stats.rejected).toBe(2);
		expect(r.state.transfers.size).toBe(0);
	});

	it('refuses a report naming another room or another file for a known uploadId', () => {
		const r = room();
		r.connect('c-ann', ann);
		r.send('c-ann', progress('up-1', 1), T0 + 1);
		r.takeBroadcasts();
		r.send('c-ann', progress('up-2', 1, { roomId: 'room-2' }), T0 + 500);
		r.send('c-ann', progress('up-1', 2, { fileId: 'other-file' }), T0 + 1000);
		expect(r.takeBroadcasts()).toEqual([]);
		expect(r.state.stats.rejected).toBe(2);
	});

	it('takes userId and userName from the connection, never from the message', () => {
		const r = room();
		r.connect('c-bob', bob);
		r.takeBroadcasts();
		r.send('c-bob', progress('up-1', 10, { userId: 'u-ann', userName: 'Ann' }), T0 + 1);
		r.send(
			'c-bob',
			upload('file-upload-paused', 'up-1', { userId: 'u-ann', userName: 'Ann' }),
			T0 + 2
		);
		const out = r.takeBroadcasts();
		expect(out).toHaveLength(2);
		for (const m of out)
			expect(m).toMatchObject({ userId: 'u-bob', userName: 'Bob', roomId: 'room-1' });
	});
});

describe('malformed input', () => {
	it('is dropped and counted, and changes nothing else', () => {
		const r = room();
		r.connect('c-ann', ann);
		r.takeBroadcasts();
		const bad: (string | null)[] = [
			'not json',
			'[]',
			'null',
			JSON.stringify({ type: 'no-such-event', fileId: 'f', uploadId: 'u', fileName: 'n' }),
			JSON.stringify(progress('up-1', 10, { percentage: 'ten' })),
			JSON.stringify(progress('up-1', 2000)), // more bytes than the file has
			JSON.stringify(progress('up-1', 10, { uploadSpeed: -1 })),
			JSON.stringify({ type: 'file-upload-progress' }),
			JSON.stringify(upload('file-upload-failed', 'up-1')), // no error code
			JSON.stringify(upload('file-upload-started', 'up-1', { totalBytes: 1.5 })),
			'x'.repeat(5000),
			null // a binary frame
		];
		for (const [i, raw] of bad.entries())
			r.dispatch({ type: 'message', connectionId: 'c-ann', raw }, T0 + i);
		expect(r.takeBroadcasts()).toEqual([]);
		expect(r.state.stats).toMatchObject({
			messagesIn: bad.length,
			dropped: bad.length,
			rejected: 0
		});
		expect(r.state.transfers.size).toBe(0);
	});

	it('does not change the state object it was given', () => {
		const before = createRoomState('room-1');
		const { state: after } = reduce(
			before,
			{ type: 'connected', connectionId: 'c', member: ann, issuedAt: T0 },
			T0
		);
		expect(before.connections.size).toBe(0);
		expect(after.connections.size).toBe(1);
	});
});

describe('presence', () => {
	it('counts a user with two tabs as one member who leaves when the last tab closes', () => {
		const r = room();
		r.connect('c-bob', bob);
		r.takeBroadcasts();
		r.connect('c-ann-1', ann, T0 + 1);
		expect(r.takeBroadcasts()).toEqual([{ type: 'member-joined', member: ann }]);
		const second = r.connect('c-ann-2', ann, T0 + 2);
		expect(r.takeBroadcasts()).toEqual([]);
		const snapshot = second.find((e) => e.kind === 'send');
		expect(snapshot?.kind === 'send' && snapshot.message).toMatchObject({ members: [bob, ann] });

		r.dispatch({ type: 'disconnected', connectionId: 'c-ann-1' }, T0 + 3);
		expect(r.takeBroadcasts()).toEqual([]);
		r.dispatch({ type: 'disconnected', connectionId: 'c-ann-2' }, T0 + 4);
		expect(r.takeBroadcasts()).toEqual([{ type: 'member-left', userId: 'u-ann', userName: 'Ann' }]);
	});

	it('does not announce a joiner to their own connection', () => {
		const r = room();
		const effects = r.connect('c-ann', ann);
		expect(effects).toContainEqual({
			kind: 'broadcast',
			message: { type: 'member-joined', member: ann },
			except: ['c-ann']
		});
	});
});

describe('server posts', () => {
	it('member-removed closes every connection of that user and refuses their older tokens', () => {
		const r = room();
		r.connect('c-bob-1', bob);
		r.connect('c-bob-2', bob);
		r.connect('c-ann', ann);
		r.takeBroadcasts();
		const effects = r.dispatch(
			{ type: 'server-post', post: { type: 'member-removed', userId: 'u-bob' } },
			T0 + 100
		);
		expect(effects.map((e) => e.kind)).toEqual(['broadcast', 'close']);
		expect(effects[1]).toEqual({
			kind: 'close',
			connectionIds: ['c-bob-1', 'c-bob-2'],
			code: CLOSE_REMOVED,
			reason: 'removed from room'
		});
		expect(r.takeBroadcasts()).toEqual([{ type: 'member-removed', userId: 'u-bob' }]);
		// The echoes of those closes are ignored rather than announced as member-left.
		r.dispatch({ type: 'disconnected', connectionId: 'c-bob-1' }, T0 + 101);
		expect(r.takeBroadcasts()).toEqual([]);

		const old = r.dispatch(
			{ type: 'connected', connectionId: 'c-bob-3', member: bob, issuedAt: T0 },
			T0 + 200
		);
		expect(old).toEqual([
			{
				kind: 'close',
				connectionIds: ['c-bob-3'],
				code: CLOSE_REMOVED,
				reason: 'removed from room'
			}
		]);
		const fresh = r.dispatch(
			{ type: 'connected', connectionId: 'c-bob-4', member: bob, issuedAt: T0 + 1000 },
			T0 + 1000
		);
		expect(fresh.some((e) => e.kind === 'send')).toBe(true);
	});

	it('server completion flushes held-back progress and ends the transfer', () => {
		const r = room();
		r.connect('c-ann', ann);
		r.send('c-ann', progress('up-1', 100), T0 + 1);
		r.send('c-ann', progress('up-1', 1000), T0 + 2);
		r.takeBroadcasts();
		r.dispatch(
			{
				type: 'server-post',
				post: {
					type: 'file-upload-completed',
					fileId: 'file-up-1',
					uploadId: 'up-1',
					fileName: 'movie.mkv',
					userId: 'u-ann',
					userName: 'Ann'
				}
			},
			T0 + 3
		);
		expect(
			r.takeBroadcasts().map((m) => [m.type, 'bytesUploaded' in m ? m.bytesUploaded : undefined])
		).toEqual([
			['file-upload-progress', 1000],
			['file-upload-completed', undefined]
		]);
		expect(r.state.transfers.size).toBe(0);
	});
});
