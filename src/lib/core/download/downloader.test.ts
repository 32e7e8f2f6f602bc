import { describe, expect, it } from 'vitest';
import { TransferError } from '../errors';
import { decryptRecords, encryptRecords, importFileKey } from '../crypto';
import { KAT_KEY, pattern, smallHeader } from '../crypto/test-fixtures';
import { Downloader } from './downloader';
import { planEncryptedRanges, planPlainRanges } from './plan';
import {
	CheckpointWriter,
	FakeFetcher,
	FakeUrls,
	InstantClock,
	MemoryDownloadStore,
	MemoryWriter,
	halfRandom
} from './testing/fakes';
import type { DownloadPorts, DownloadState, DownloadWriter, RangeTransform } from './types';

const RANGE = 1000;
const FAST_RETRY = { delaysMs: [0], maxAttempts: 4, jitter: 0, maxRetryAfterMs: 0 };

function setup(
	object: Uint8Array<ArrayBuffer>,
	writer: DownloadWriter,
	store = new MemoryDownloadStore()
) {
	const fetcher = new FakeFetcher(object);
	const urls = new FakeUrls();
	const ports: DownloadPorts = {
		urls,
		fetcher,
		writer,
		store,
		clock: new InstantClock(),
		random: halfRandom
	};
	const states: DownloadState['status'][] = [];
	const events = { state: (s: DownloadState) => states.push(s.status), progress: () => {} };
	return { fetcher, urls, ports, states, events, store };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe('Downloader', () => {
	it('saves a plain file byte for byte with at most `concurrency` ranges in flight', async () => {
		const object = pattern(10_500);
		const writer = new MemoryWriter(object.length, 'offset');
		const { ports, events, fetcher, states } = setup(object, writer);
		const download = new Downloader('d1', planPlainRanges(object.length, RANGE), ports, events, {
			concurrency: 4
		});
		await download.start();
		expect(states.at(-1)).toBe('done');
		expect(writer.bytes).toEqual(object);
		expect(writer.closed).toBe(true);
		expect(fetcher.requests).toHaveLength(11);
		expect(fetcher.maxInFlight).toBe(4);
		expect(download.progress()).toMatchObject({ bytesDone: object.length, rangesDone: 11 });
	});

	it('decrypts an encrypted file range by range into a sequential stream', async () => {
		const plaintext = pattern(4096 * 9 + 123, 7);
		const header = smallHeader(plaintext.length);
		const key = await importFileKey(KAT_KEY);
		const ciphertext = await encryptRecords(key, header, 0, plaintext, true);
		const ranges = planEncryptedRanges(header, 4096 * 2);
		expect(ranges).toHaveLength(5);
		const transform: RangeTransform = {
			transform: (range, bytes) =>
				decryptRecords(key, header, range.firstRecord!, bytes, range.recordCount!)
		};
		const writer = new MemoryWriter(plaintext.length, 'sequential');
		const { ports, events } = setup(ciphertext, writer);
		const download = new Downloader('d2', ranges, { ...ports, transform }, events, {
			concurrency: 3,
			sequentialWindow: 2
		});
		await download.start();
		expect(download.state.status).toBe('done');
		expect(writer.bytes).toEqual(plaintext);
	});

	it('fails when a range was tampered with and never marks that range saved', async () => {
		const plaintext = pattern(4096 * 3, 3);
		const header = smallHeader(plaintext.length);
		const key = await importFileKey(KAT_KEY);
		const ciphertext = await encryptRecords(key, header, 0, plaintext, true);
		ciphertext[5000]! ^= 1;
		const transform: RangeTransform = {
			transform: (range, bytes) =>
				decryptRecords(key, header, range.firstRecord!, bytes, range.recordCount!)
		};
		const writer = new MemoryWriter(plaintext.length, 'offset');
		const { ports, events, store } = setup(ciphertext, writer);
		const download = new Downloader(
			'd3',
			planEncryptedRanges(header, 4096),
			{ ...ports, transform },
			events
		);
		await download.start();
		expect(download.state.status).toBe('failed');
		expect(await store.loadDone('d3')).not.toContain(1);
	});

	it('asks for a new URL once when the presigned URL expires, then carries on', async () => {
		const object = pattern(5000);
		const writer = new MemoryWriter(object.length, 'offset');
		const { ports, events, fetcher, urls } = setup(object, writer);
		fetcher.fault = (url) =>
			url.endsWith('v=1') ? new TransferError('url_expired', 'expired', { httpStatus: 403 }) : null;
		const download = new Downloader('d4', planPlainRanges(object.length, RANGE), ports, events, {
			concurrency: 5,
			retry: FAST_RETRY
		});
		await download.start();
		expect(download.state.status).toBe('done');
		expect(urls.refreshes).toBe(1);
		expect(writer.bytes).toEqual(object);
	});

	it('retries network errors with backoff and fails on a 4xx without retrying', async () => {
		const object = pattern(3000);
		const flaky = setup(object, new MemoryWriter(object.length, 'offset'));
		let failures = 2;
		flaky.fetcher.fault = () => (failures-- > 0 ? new TransferError('network') : null);
		const ok = new Downloader(
			'd5',
			planPlainRanges(object.length, RANGE),
			flaky.ports,
			flaky.events,
			{ retry: FAST_RETRY }
		);
		await ok.start();
		expect(ok.state.status).toBe('done');
		expect(flaky.fetcher.requests).toHaveLength(5);

		const refused = setup(object, new MemoryWriter(object.length, 'offset'));
		refused.fetcher.fault = () => new TransferError('http_4xx', 'HTTP 404', { httpStatus: 404 });
		const bad = new Downloader(
			'd6',
			planPlainRanges(object.length, RANGE),
			refused.ports,
			refused.events,
			{ concurrency: 1, retry: FAST_RETRY }
		);
		await bad.start();
		expect(bad.state).toMatchObject({ status: 'failed', error: { code: 'http_4xx' } });
		expect(refused.fetcher.requests).toHaveLength(1);
	});

	it('pause drops only the ranges in flight; resume fetches those and the rest, nothing twice', async () => {
		const object = pattern(8000);
		const writer = new MemoryWriter(object.length, 'offset');
		const { ports, events, fetcher } = setup(object, writer);
		const download = new Downloader('d7', planPlainRanges(object.length, RANGE), ports, events, {
			concurrency: 2
		});
		fetcher.hold(3);
		const first = download.start();
		await tick();
		await download.pause();
		await first;
		expect(download.state.status).toBe('paused');
		const before = fetcher.requests.length;
		const written = writer.positions.length;
		expect(written).toBeGreaterThan(0);
		fetcher.release();
		await download.resume();
		expect(download.state.status).toBe('done');
		expect(writer.bytes).toEqual(object);
		// Every range fetched at most twice, and only the 2 that were in flight twice.
		expect(fetcher.requests.length - 8).toBeLessThanOrEqual(2);
		expect(fetcher.requests.length).toBe(before + (8 - written));
	});

	it('a new Downloader with the same store fetches only the ranges not yet saved', async () => {
		const object = pattern(6000);
		const store = new MemoryDownloadStore();
		await store.markDone('d8', 0);
		await store.markDone('d8', 3);
		const writer = new MemoryWriter(object.length, 'offset');
		writer.bytes.set(object.subarray(0, 1000), 0);
		writer.bytes.set(object.subarray(3000, 4000), 3000);
		const { ports, events, fetcher } = setup(object, writer, store);
		const download = new Downloader('d8', planPlainRanges(object.length, RANGE), ports, events);
		await download.start();
		expect(fetcher.requests.map((r) => r.start).sort((a, b) => a - b)).toEqual([
			1000, 2000, 4000, 5000
		]);
		expect(writer.bytes).toEqual(object);
		expect(await store.loadDone('d8')).toEqual([]);
	});

	it('tells a staging writer what earlier sessions kept, and fetches everything when it lost it', async () => {
		const object = pattern(4000);
		class StagingWriter extends MemoryWriter {
			told: (readonly [number, number])[] = [];
			constructor(readonly keeps: boolean) {
				super(object.length, 'offset');
			}
			async resume(committed: readonly (readonly [number, number])[]): Promise<boolean> {
				this.told = [...committed];
				return this.keeps;
			}
			// Like a worker writer: the buffer is transferred away and left empty.
			override async write(position: number, bytes: Uint8Array<ArrayBuffer>): Promise<void> {
				await super.write(position, bytes);
				structuredClone(bytes.buffer, { transfer: [bytes.buffer] });
			}
		}
		for (const keeps of [true, false]) {
			const store = new MemoryDownloadStore();
			await store.markDone('d11', 1);
			const writer = new StagingWriter(keeps);
			if (keeps) writer.bytes.set(object.subarray(1000, 2000), 1000);
			const { ports, events, fetcher } = setup(object, writer, store);
			const download = new Downloader('d11', planPlainRanges(object.length, RANGE), ports, events);
			await download.start();
			expect(download.progress().bytesDone).toBe(object.length);
			expect(writer.told).toEqual([[1000, 2000]]);
			expect(fetcher.requests.map((r) => r.start).sort((a, b) => a - b)).toEqual(
				keeps ? [0, 2000, 3000] : [0, 1000, 2000, 3000]
			);
			expect(writer.bytes).toEqual(object);
		}
	});

	it('remembers ranges written to a swap-file writer only once they are checkpointed', async () => {
		const object = pattern(10_000);
		const store = new MemoryDownloadStore();
		const writer = new CheckpointWriter(object.length);
		const { ports, events, fetcher } = setup(object, writer, store);
		const download = new Downloader('d9', planPlainRanges(object.length, RANGE), ports, events, {
			concurrency: 1,
			checkpointMinBytes: 4000
		});
		fetcher.hold(6);
		const run = download.start();
		await tick();
		await download.pause();
		await run;
		const done = await store.loadDone('d9');
		expect(writer.checkpoints).toBeGreaterThan(0);
		// Pause checkpoints, so everything written so far is now remembered.
		expect(done.length).toBe(writer.positions.length);
		fetcher.release();
		await download.resume();
		expect(writer.bytes).toEqual(object);
	});

	it('cancel aborts the writer and forgets the download', async () => {
		const object = pattern(5000);
		const writer = new MemoryWriter(object.length, 'offset');
		const { ports, events, fetcher, store } = setup(object, writer);
		fetcher.hold();
		const download = new Downloader('d10', planPlainRanges(object.length, RANGE), ports, events);
		const run = download.start();
		await tick();
		await download.cancel();
		await run;
		expect(download.state.status).toBe('cancelled');
		expect(writer.aborted).toBe(true);
		expect(await store.loadDone('d10')).toEqual([]);
	});
});
