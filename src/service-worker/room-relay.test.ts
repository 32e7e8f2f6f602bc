import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { TransferState } from '$lib/core/upload';
import { session, summary } from '$lib/realtime/testing/summaries';
import type { ClientMessage } from '../../party/room-messages';
import { BackgroundRoomRelay, type RelayConnection } from './room-relay';

const background = (state: TransferState, sent = 0) => summary(state, sent, 'background');

function fakeConnections() {
	const opened: { roomId: string; sent: ClientMessage[]; closed: boolean }[] = [];
	const connect = (roomId: string): RelayConnection => {
		const record = { roomId, sent: [] as ClientMessage[], closed: false };
		opened.push(record);
		return {
			send: (message) => (record.sent.push(message), true),
			on: () => () => {},
			start: () => {},
			close: () => {
				record.closed = true;
			}
		} as RelayConnection;
	};
	return { opened, connect };
}

describe('BackgroundRoomRelay', () => {
	beforeEach(() => vi.useFakeTimers());
	afterEach(() => vi.useRealTimers());

	it("reports the service worker's upload to its room and closes the connection once it is over", () => {
		const { opened, connect } = fakeConnections();
		const relay = new BackgroundRoomRelay(connect, 1000);
		relay.update(background({ status: 'uploading', session }, 100));
		relay.update(background({ status: 'uploading', session }, 500));
		vi.advanceTimersByTime(300);
		// Handing the transfer to a tab pauses it here: the room is not told it paused.
		relay.update(background({ status: 'paused', session }, 500));
		relay.update(
			background({ status: 'done', session, file: { fileId: 'file-1' } as never }, 1000)
		);
		relay.forget('room-1', 't-1');
		expect(opened).toHaveLength(1);
		const types = opened[0]!.sent.map((m) => m.type);
		expect(types[0]).toBe('file-upload-started');
		expect(types).toContain('file-upload-progress');
		expect(types).not.toContain('file-upload-paused');
		expect(types.at(-1)).toBe('file-upload-completed');
		expect(opened[0]!.closed).toBe(false);
		vi.advanceTimersByTime(1000);
		expect(opened[0]!.closed).toBe(true);
	});

	it('keeps the connection when another upload of the room starts before it would close', () => {
		const { opened, connect } = fakeConnections();
		const relay = new BackgroundRoomRelay(connect, 1000);
		relay.update(background({ status: 'uploading', session }, 100));
		relay.forget('room-1', 't-1');
		vi.advanceTimersByTime(500);
		relay.update({ ...background({ status: 'uploading', session }, 10), transferId: 't-2' });
		vi.advanceTimersByTime(2000);
		expect(opened).toHaveLength(1);
		expect(opened[0]!.closed).toBe(false);
	});
});
