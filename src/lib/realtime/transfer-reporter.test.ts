import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { TransferState, UploadSession } from '$lib/core/upload';
import type { TransferSummary } from '$lib/workers/upload-protocol';
import type { ClientMessage } from '../../../party/room-messages';
import { TransferReporter } from './transfer-reporter';

const session: UploadSession = {
	uploadId: 'up-1',
	fileId: 'file-1',
	partSize: 100,
	partCount: 10,
	size: 1000,
	expiresAt: '2030-01-01T00:00:00Z'
};

function summary(
	state: TransferState,
	sent = 0,
	driver: 'here' | 'elsewhere' = 'here'
): TransferSummary {
	return {
		transferId: 't-1',
		roomId: 'room-1',
		name: 'a.bin',
		size: 1000,
		encrypted: false,
		reconnectable: false,
		driver,
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

describe('TransferReporter', () => {
	beforeEach(() => vi.useFakeTimers());
	afterEach(() => vi.useRealTimers());

	function setup() {
		const sent: ClientMessage[] = [];
		const reporter = new TransferReporter('room-1', (m) => sent.push(m));
		return { sent, reporter, types: () => sent.map((m) => m.type) };
	}

	it('reports start, throttled progress with the last value, pause, resume and completion in order', () => {
		const { sent, reporter, types } = setup();
		for (let i = 1; i <= 20; i++) {
			reporter.update([summary({ status: 'uploading', session }, i * 10)]);
			vi.advanceTimersByTime(10);
		}
		// 200 ms of updates: the leading progress only, the rest waits.
		expect(types()).toEqual(['file-upload-started', 'file-upload-progress']);
		reporter.update([summary({ status: 'paused', session }, 250)]);
		// The waiting progress goes out before the pause.
		expect(types().slice(2)).toEqual(['file-upload-progress', 'file-upload-paused']);
		expect(sent[2]).toMatchObject({
			bytesUploaded: 200,
			percentage: 20,
			estimatedTimeRemaining: 5,
			roomId: 'room-1',
			fileId: 'file-1',
			uploadId: 'up-1'
		});
		vi.advanceTimersByTime(1000);
		reporter.update([summary({ status: 'uploading', session }, 300)]);
		reporter.update([
			summary({ status: 'done', session, file: { fileId: 'file-1' } as never }, 1000)
		]);
		expect(types().slice(4)).toEqual([
			'file-upload-resumed',
			'file-upload-progress',
			'file-upload-completed'
		]);
		vi.advanceTimersByTime(1000);
		expect(sent).toHaveLength(7);
	});

	it('stays quiet about transfers another tab drives and about ones restored already finished', () => {
		const { sent, reporter } = setup();
		reporter.update([summary({ status: 'uploading', session }, 10, 'elsewhere')]);
		reporter.update([
			summary({ status: 'done', session, file: { fileId: 'file-1' } as never }, 1000)
		]);
		vi.advanceTimersByTime(1000);
		expect(sent).toEqual([]);
	});

	it('re-announces running transfers after a reconnect', () => {
		const { reporter, types } = setup();
		reporter.update([summary({ status: 'uploading', session }, 100)]);
		reporter.reannounce();
		expect(types()).toEqual([
			'file-upload-started',
			'file-upload-progress',
			'file-upload-started',
			'file-upload-progress'
		]);
	});
});
