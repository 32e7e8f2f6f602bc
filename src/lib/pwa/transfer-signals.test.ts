import { describe, expect, it } from 'vitest';
import type { TransferState } from '$lib/core/upload';
import type { TransferSummary } from '$lib/workers/upload-protocol';
import { FinishNotifier, unfinishedCount, type NotificationPort } from './transfer-signals';

function summary(id: string, state: TransferState): TransferSummary {
	return {
		transferId: id,
		roomId: 'room-1',
		name: `${id}.bin`,
		size: 10,
		encrypted: false,
		reconnectable: false,
		driver: 'here',
		state,
		progress: null,
		lastError: null,
		fileId: null
	};
}

const uploading = { status: 'uploading' } as TransferState;
const done = { status: 'done' } as TransferState;
const failed = {
	status: 'failed',
	session: null,
	error: { code: 'network', message: 'the network kept failing', retryable: true }
} as unknown as TransferState;

function port(options: { allowed?: boolean; hidden?: boolean } = {}) {
	const shown: { title: string; body: string; url: string }[] = [];
	const p: NotificationPort = {
		allowed: () => options.allowed ?? true,
		hidden: () => options.hidden ?? true,
		show: (title, o) => {
			shown.push({ title, body: o.body, url: o.data.url });
			return Promise.resolve();
		}
	};
	return { p, shown };
}

const updated = (t: TransferSummary) => ({ type: 'transfer:updated' as const, transfer: t });

describe('transfer signals', () => {
	it('notifies once when an upload seen running finishes while the page is hidden, linking to its room', () => {
		const { p, shown } = port();
		const n = new FinishNotifier(p);
		n.seen(updated(summary('a', uploading)));
		n.seen(updated(summary('a', done)));
		n.seen(updated(summary('a', done)));
		expect(shown).toEqual([
			{ title: 'Upload finished', body: 'a.bin is in the room.', url: '/rooms/room-1' }
		]);
	});

	it('says why an upload failed', () => {
		const { p, shown } = port();
		const n = new FinishNotifier(p);
		n.seen(updated(summary('a', uploading)));
		n.seen(updated(summary('a', failed)));
		expect(shown[0]?.title).toBe('Upload failed');
		expect(shown[0]?.body).toMatch(/the network kept failing/);
	});

	it('stays quiet while the page is visible, without permission, and for transfers already done when first seen', () => {
		for (const options of [{ hidden: false }, { allowed: false }]) {
			const { p, shown } = port(options);
			const n = new FinishNotifier(p);
			n.seen(updated(summary('a', uploading)));
			n.seen(updated(summary('a', done)));
			expect(shown).toEqual([]);
		}
		const { p, shown } = port();
		new FinishNotifier(p).seen(updated(summary('old', done)));
		expect(shown).toEqual([]);
	});

	it('the badge counts transfers not finished, paused and waiting ones included', () => {
		const states = ['uploading', 'paused', 'waiting-for-file', 'completing', 'done', 'cancelled'];
		const list = states.map((s, i) => summary(String(i), { status: s } as TransferState));
		list.push(summary('f', failed));
		expect(unfinishedCount(list)).toBe(4);
	});
});
