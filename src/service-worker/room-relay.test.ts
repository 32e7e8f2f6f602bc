import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { TransferState, UploadSession } from '$lib/core/upload';
import type { TransferSummary } from '$lib/workers/upload-protocol';
import type { ClientMessage } from '../../party/room-messages';
import { BackgroundRoomRelay, type RelayConnection } from './room-relay';

const session: UploadSession = {
	uploadId: 'up-1',
	fileId: 'file-1',
	partSize: 100,
	partCount: 10,
	size: 1000,
	expiresAt: '2030-01-01T00:00:00Z'
};

function summary(state: TransferState, sent = 0): TransferSummary {
	return {
		transferId: 't-1',
		roomId: 'room-1',
		name: 'a.bin',
		size: 1000,
		encrypted: false,
		reconnectable: false,
		driver: 'background',
		state,
		progress: {
			totalBytes: 1000,
			bytesConfirmed: sent,
			bytesInFlight: 0,
			speedBps: 100,
			etaMs: 5000,
			partsDone: 0,
			partCount: 10
		},
		lastError: null,
		fileId: 'file-1'
	};
}

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
		relay.update(summary({ status: 'uploading', session }, 100));
		relay.update(summary({ status: 'uploading', session }, 500));
		vi.advanceTimersByTime(300);
		// Handing the transfer to a tab pauses it here: the room is not told it paused.
		relay.update(summary({ status: 'paused', session }, 500));
		relay.update(summary({ status: 'done', session, file: { fileId: 'file-1' } as never }, 1000));
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
		relay.update(summary({ status: 'uploading', session }, 100));
		relay.forget('room-1', 't-1');
		vi.advanceTimersByTime(500);
		relay.update({ ...summary({ status: 'uploading', session }, 10), transferId: 't-2' });
		vi.advanceTimersByTime(2000);
		expect(opened).toHaveLength(1);
		expect(opened[0]!.closed).toBe(false);
	});
});
