import { describe, expect, it } from 'vitest';
import { TransferError } from '../errors';
import { DEFAULT_CONCURRENCY_POLICY } from './adaptive';
import { createHarness, record } from './testing/harness';
import { FakeFile, flush } from './testing/fakes';
import { TransferRunner } from './uploader';

describe('TransferRunner: lifecycle', () => {
	it('resumes from the store and sends only the parts storage does not have', async () => {
		const h = createHarness(50);
		h.sender.script(3, 'hang');
		h.sender.script(4, 'hang');
		h.sender.script(5, 'hang');
		const first = h.runner({ checksumAlgorithm: 'SHA256' });
		void first.start();
		await h.clock.advance(0);
		first.pause(); // then the tab dies; the new runner below knows only the store
		const stored = h.store.parts.get('t-1');
		expect([...(stored?.keys() ?? [])].sort()).toEqual([1, 2]);
		// Storage also holds part 3 (PUT landed, we crashed before persisting its checksum).
		h.server.uploads.get('up-1')!.stored.set(3, { size: 10, etag: '"x"' });

		h.sender.calls.length = 0;
		h.sender.scripts.clear();
		const second = h.runner({ checksumAlgorithm: 'SHA256' });
		const events = record(second);
		await h.clock.run(second.start());
		expect(second.state.status).toBe('done');
		expect(h.server.calls.create).toHaveLength(1);
		expect(h.server.calls.status).toEqual(['up-1']);
		expect(h.sender.partsSent().sort()).toEqual([3, 4, 5]);
		expect(events.progress.at(-1)).toMatchObject({ bytesConfirmed: 50, partsDone: 5 });
		expect(h.server.calls.complete[0]?.checksum?.value).toBeTypeOf('string');
	});

	it('trusts storage over the store: a part the store calls done but storage lacks is resent', async () => {
		const h = createHarness(20);
		const first = h.runner();
		await h.clock.run(first.start());
		// Simulate: record survived, storage lost part 2, upload not completed.
		const upload = h.server.uploads.get('up-1')!;
		upload.stored.delete(2);
		upload.state = 'active';
		upload.file = null;
		await h.store.saveTransfer({
			transferId: 't-2',
			roomId: 'room-1',
			uploadId: 'up-1',
			fileId: 'file-1',
			fileName: h.file.name,
			fileSize: 20,
			lastModified: h.file.lastModified,
			contentType: h.file.type,
			partSize: 10,
			partCount: 2,
			createdAt: 0,
			expiresAt: ''
		});
		await h.store.savePart('t-2', { partNumber: 2, size: 10, etag: '"old"' });
		h.sender.calls.length = 0;
		const second = h.runner({}, 't-2');
		await h.clock.run(second.start());
		expect(second.state.status).toBe('done');
		expect(h.sender.partsSent()).toEqual([2]);
	});

	it('goes to waiting-for-file when the re-picked file differs from the stored one', async () => {
		const h = createHarness(20);
		h.sender.everyone.push('hang', 'hang');
		const first = h.runner();
		void first.start();
		await h.clock.advance(0);
		first.pause();
		const edited = new FakeFile(20, h.file.name, h.file.lastModified + 1);
		const init = { transferId: 't-1', roomId: 'room-1', file: edited };
		const second = new TransferRunner(init, h.ports);
		await h.clock.run(second.start());
		expect(second.state).toMatchObject({
			status: 'waiting-for-file',
			error: { code: 'file_changed' }
		});
		expect(h.server.calls.create).toHaveLength(1);
	});

	it('pause aborts in-flight parts without failing, keeps the upload, and resume finishes', async () => {
		const h = createHarness(40);
		h.sender.everyone.push('hang', 'hang', 'hang', 'hang');
		const runner = h.runner();
		const events = record(runner);
		void runner.start();
		await h.clock.advance(0);
		expect(h.sender.inFlight).toBe(4);
		runner.pause();
		expect(runner.state.status).toBe('paused');
		await flush();
		expect(h.sender.inFlight).toBe(0);
		expect(events.errors).toEqual([]);
		expect(h.server.calls.abort).toEqual([]);
		await h.clock.run(runner.resume());
		expect(runner.state.status).toBe('done');
		expect(h.server.calls.create).toHaveLength(1);
		expect(events.statuses).toEqual([
			'preparing',
			'uploading',
			'paused',
			'uploading',
			'completing',
			'done'
		]);
	});

	it('pauseAtPartBoundary lets the parts in flight finish, starts no more, and the next driver sends only the rest', async () => {
		const h = createHarness(80);
		h.sender.everyone.push(...Array.from({ length: 8 }, () => ({ delayMs: 1000 })));
		const first = h.runner();
		const events = record(first);
		void first.start();
		await h.clock.advance(0);
		const inFlight = h.sender.partsSent();
		expect(inFlight.length).toBeGreaterThan(0);
		expect(inFlight.length).toBeLessThan(8);
		const stopped = first.pauseAtPartBoundary(60_000);
		await h.clock.advance(1000);
		await stopped;
		expect(first.state.status).toBe('paused');
		expect(events.errors).toEqual([]);
		// Every part that was in flight is stored; nothing else was started.
		expect(h.sender.partsSent()).toEqual(inFlight);
		expect([...h.server.uploads.get('up-1')!.stored.keys()].sort()).toEqual(inFlight.sort());

		h.sender.calls.length = 0;
		h.sender.everyone.length = 0;
		const second = h.runner();
		await h.clock.run(second.start());
		expect(second.state.status).toBe('done');
		expect(h.sender.partsSent().sort()).toEqual(
			[1, 2, 3, 4, 5, 6, 7, 8].filter((n) => !inFlight.includes(n))
		);
	});

	it('pauseAtPartBoundary stops waiting after maxWaitMs and pauses like pause()', async () => {
		const h = createHarness(40);
		h.sender.everyone.push('hang', 'hang', 'hang', 'hang');
		const runner = h.runner();
		void runner.start();
		await h.clock.advance(0);
		const stopped = runner.pauseAtPartBoundary(5000);
		await h.clock.advance(4999);
		expect(runner.state.status).toBe('uploading');
		await h.clock.advance(1);
		await stopped;
		expect(runner.state.status).toBe('paused');
		await flush();
		expect(h.sender.inFlight).toBe(0);
	});

	it('cancel aborts in-flight parts, aborts the multipart upload and forgets the record', async () => {
		const h = createHarness(40);
		h.sender.everyone.push('hang', 'hang');
		const runner = h.runner();
		void runner.start();
		await h.clock.advance(0);
		const final = await runner.cancel();
		expect(final.status).toBe('cancelled');
		expect(h.sender.inFlight).toBe(0);
		expect(h.server.calls.abort).toEqual(['up-1']);
		expect(h.store.transfers.size).toBe(0);
		await runner.resume();
		expect(runner.state.status).toBe('cancelled');
	});

	it('offline waits without counting failures and resumes as soon as we are online', async () => {
		const h = createHarness(30);
		h.sender.script(2, 'hang');
		const runner = h.runner();
		const events = record(runner);
		void runner.start();
		await h.clock.advance(0);
		h.network.set(false);
		expect(runner.state.status).toBe('waiting-for-network');
		await h.clock.advance(60_000);
		expect(events.errors).toEqual([]);
		h.network.set(true);
		await h.clock.run(runner.resume());
		expect(runner.state.status).toBe('done');
		expect(runner.stats.concurrency).toBe(DEFAULT_CONCURRENCY_POLICY.initial);
	});

	it('a network error while the OS says offline is not a failure', async () => {
		const h = createHarness(10);
		h.sender.script(1, { delayMs: 10, fail: new TransferError('network') });
		const runner = h.runner();
		const events = record(runner);
		void runner.start();
		await h.clock.advance(0);
		h.network.online = false; // no event fired yet
		await h.clock.advance(10);
		expect(runner.state.status).toBe('waiting-for-network');
		expect(events.errors).toEqual([]);
	});

	it('completing twice is harmless: the server returns the same file', async () => {
		const h = createHarness(20);
		const runner = h.runner();
		await h.clock.run(runner.start());
		const file = runner.state.status === 'done' ? runner.state.file : null;
		// A crash after complete but before the record was removed: resume completes again.
		h.server.uploads.get('up-1')!.state = 'completed';
		await h.store.saveTransfer({
			transferId: 't-1',
			roomId: 'room-1',
			uploadId: 'up-1',
			fileId: 'file-1',
			fileName: h.file.name,
			fileSize: 20,
			lastModified: h.file.lastModified,
			contentType: h.file.type,
			partSize: 10,
			partCount: 2,
			checksumAlgorithm: 'SHA256',
			createdAt: 0,
			expiresAt: ''
		});
		const again = h.runner({ checksumAlgorithm: 'SHA256' });
		h.sender.calls.length = 0;
		await h.clock.run(again.start());
		expect(again.state).toMatchObject({ status: 'done', file });
		expect(h.sender.calls).toEqual([]);
		expect(h.server.calls.complete).toHaveLength(2);
		expect(h.server.calls.complete[1]?.checksum).toBeUndefined();
	});

	it('cancel during completing: completing wins when complete succeeds', async () => {
		const h = createHarness(20);
		let open!: () => void;
		h.server.completeGate = new Promise<void>((resolve) => (open = resolve));
		const runner = h.runner();
		void runner.start();
		await h.clock.advance(0);
		expect(runner.state.status).toBe('completing');
		runner.pause(); // ignored while completing
		const cancelled = runner.cancel();
		open();
		const final = await cancelled;
		expect(final.status).toBe('done');
		expect(h.server.calls.abort).toEqual([]);
	});

	it('cancel during completing: cancel proceeds when complete fails', async () => {
		const h = createHarness(20);
		let open!: () => void;
		h.server.completeGate = new Promise<void>((resolve) => (open = resolve));
		h.server.failures.complete = [new TransferError('http_4xx', 'InvalidPart')];
		const runner = h.runner();
		void runner.start();
		await h.clock.advance(0);
		const cancelled = runner.cancel();
		open();
		expect((await cancelled).status).toBe('cancelled');
		expect(h.server.calls.abort).toEqual(['up-1']);
	});

	it('emits throttled progress and never loses the last update', async () => {
		const h = createHarness(100);
		for (let n = 1; n <= 10; n++) h.sender.script(n, { delayMs: 100 });
		const runner = h.runner({ progressPerSecond: 2 });
		const events = record(runner);
		const emittedAt: number[] = [];
		runner.on('upload:progress', () => emittedAt.push(h.clock.now()));
		await h.clock.run(runner.start());
		// 2 per second over the run, plus one flush per state change.
		const seconds = (emittedAt.at(-1)! - emittedAt[0]!) / 1000;
		expect(emittedAt.length).toBeLessThanOrEqual(
			Math.ceil(seconds * 2) + 1 + events.statuses.length
		);
		expect(emittedAt.length).toBeGreaterThan(1);
		expect(events.progress.at(-1)).toMatchObject({ bytesConfirmed: 100, bytesInFlight: 0 });
	});
});
