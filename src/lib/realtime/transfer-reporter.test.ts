import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ClientMessage } from '../../../party/room-messages';
import { TransferReporter } from './transfer-reporter';
import { session, summary } from './testing/summaries';

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
