import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeBase64, encodeBase64 } from '@oslojs/encoding';
import { httpError } from '../errors';
import { DEFAULT_CONCURRENCY_POLICY } from './adaptive';
import type { PartTransform } from '../../ports';
import type { SliceBody } from './testing/fakes';
import { createHarness, record } from './testing/harness';

function sha256(bytes: Uint8Array): Uint8Array {
	return new Uint8Array(createHash('sha256').update(bytes).digest());
}

describe('TransferRunner: happy path', () => {
	it('uploads every part, completes with all etags, and forgets the resume record', async () => {
		const h = createHarness(35);
		const runner = h.runner();
		const events = record(runner);
		await h.clock.run(runner.start());

		expect(runner.state.status).toBe('done');
		expect(events.statuses).toEqual(['preparing', 'uploading', 'completing', 'done']);
		expect(h.sender.calls.map((c) => c.size)).toEqual([10, 10, 10, 5]);
		expect(h.server.calls.partDone.sort()).toEqual([1, 2, 3, 4]);
		const [complete] = h.server.calls.complete;
		expect(complete?.parts.map((p) => p.partNumber)).toEqual([1, 2, 3, 4]);
		expect(complete?.parts.every((p) => p.etag.startsWith('"etag-'))).toBe(true);
		expect(complete?.checksum).toBeUndefined();
		expect(events.uploaded.sort()).toEqual([1, 2, 3, 4]);
		expect(h.store.transfers.size).toBe(0);
		expect(events.progress.at(-1)).toMatchObject({ bytesConfirmed: 35, partsDone: 4 });
	});

	it('sends an unhashed, unencrypted part as a lazy slice (no bytes read)', async () => {
		const h = createHarness(25);
		const runner = h.runner();
		await h.clock.run(runner.start());
		expect(h.file.reads).toBe(0);
		expect(runner.stats.maxPartsInMemory).toBe(0);
	});

	it('uploads a 0-byte file as one empty part', async () => {
		const h = createHarness(0);
		const runner = h.runner();
		await h.clock.run(runner.start());
		expect(runner.state.status).toBe('done');
		expect(h.sender.calls.map((c) => c.size)).toEqual([0]);
	});

	it('uploads an exact multiple of the part size with a full last part', async () => {
		const h = createHarness(30);
		const runner = h.runner();
		await h.clock.run(runner.start());
		expect(h.sender.calls.map((c) => c.size)).toEqual([10, 10, 10]);
	});

	it('signs in batches without checksums, and pins checksums when hashing', async () => {
		const plain = createHarness(95);
		await plain.clock.run(plain.runner({ signBatchSize: 20 }).start());
		expect(plain.server.calls.sign).toHaveLength(1);
		expect(plain.server.calls.sign[0]?.partNumbers).toHaveLength(10);

		const hashed = createHarness(25);
		await hashed.clock.run(hashed.runner({ checksumAlgorithm: 'SHA256' }).start());
		for (const call of hashed.server.calls.sign) expect(call.checksums).toBeDefined();
		const sent = hashed.sender.calls.find((c) => c.partNumber === 3);
		const expected = encodeBase64(sha256(Uint8Array.from({ length: 5 }, (_, i) => (20 + i) % 251)));
		expect(sent?.headers['x-amz-checksum-sha256']).toBe(expected);
	});

	it('completes with the composite checksum: H(raw part digests concatenated), base64', async () => {
		const h = createHarness(25);
		await h.clock.run(h.runner({ checksumAlgorithm: 'SHA256' }).start());
		const parts = [0, 10, 20].map((start) =>
			sha256(Uint8Array.from({ length: Math.min(10, 25 - start) }, (_, i) => (start + i) % 251))
		);
		const joined = new Uint8Array(96);
		parts.forEach((p, i) => joined.set(p, i * 32));
		expect(h.server.calls.complete[0]?.checksum).toEqual({
			algorithm: 'SHA256',
			value: encodeBase64(sha256(joined))
		});
		expect(decodeBase64(h.server.calls.complete[0]!.checksum!.value)).toHaveLength(32);
	});

	it('never holds more parts in memory than the concurrency limit plus the parts prepared ahead', async () => {
		const h = createHarness(200);
		for (let n = 1; n <= 20; n++) h.sender.script(n, { delayMs: 100 + n * 7 });
		const max = 3;
		const prepareAhead = 2;
		const runner = h.runner({
			checksumAlgorithm: 'SHA256',
			prepareAhead,
			concurrency: { ...DEFAULT_CONCURRENCY_POLICY, initial: 3, max }
		});
		await h.clock.run(runner.start());
		expect(runner.state.status).toBe('done');
		expect(runner.stats.maxPartsInMemory).toBeGreaterThan(max);
		expect(runner.stats.maxPartsInMemory).toBeLessThanOrEqual(max + prepareAhead);
		expect(h.sender.maxInFlight).toBeLessThanOrEqual(max);
		expect(runner.stats.partsInMemory).toBe(0);
	});
});

describe('TransferRunner: pipeline', () => {
	it("releases what holds a transform's body (a spool file) once each PUT is over, failed ones too", async () => {
		const h = createHarness(40);
		h.sender.script(2, { fail: httpError(503) });
		let prepared = 0;
		let released = 0;
		const transform: PartTransform = {
			async transform(job) {
				prepared++;
				const size = (job.plain as SliceBody).size;
				return { body: job.plain, size, checksum: undefined, release: () => released++ };
			}
		};
		const runner = h.runner({}, 't-release', { transform });
		await h.clock.run(runner.start());
		expect(runner.state.status).toBe('done');
		// 4 parts, part 2 prepared twice (its first PUT failed): every preparation released once.
		expect(prepared).toBe(5);
		expect(released).toBe(prepared);
	});

	it('prepares the parts it is about to send before the parts further ahead', async () => {
		const h = createHarness(120);
		// A pool of one worker, 20 ms a part: the order it is given parts is the order they are ready.
		const order: number[] = [];
		let busy: Promise<unknown> = Promise.resolve();
		const transform: PartTransform = {
			transform(job) {
				const run = busy.then(async () => {
					order.push(job.partIndex + 1);
					await h.clock.sleep(20);
					const size = (job.plain as SliceBody).size;
					return { body: job.plain, size, checksum: undefined };
				});
				busy = run;
				return run;
			}
		};
		const runner = h.runner(
			{ prepareAhead: 3, concurrency: { ...DEFAULT_CONCURRENCY_POLICY, initial: 3, max: 3 } },
			't-order',
			{ transform }
		);
		await h.clock.run(runner.start());
		expect(runner.state.status).toBe('done');
		// Parts 1-3 start the upload: none of them waits behind parts 4-6 prepared ahead.
		expect(order.slice(0, 3)).toEqual([1, 2, 3]);
		expect([...order].sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
	});

	it('hashes and signs the next parts while a part is still uploading', async () => {
		const h = createHarness(50);
		h.sender.script(1, { delayMs: 1_000 });
		const runner = h.runner({
			checksumAlgorithm: 'SHA256',
			prepareAhead: 2,
			concurrency: { ...DEFAULT_CONCURRENCY_POLICY, initial: 1, min: 1, max: 1 }
		});
		const done = runner.start();
		await h.clock.advance(500);
		// Part 1 is mid-PUT; parts 2 and 3 already have checksummed URLs waiting.
		expect(h.sender.calls.map((c) => c.partNumber)).toEqual([1]);
		const signed = h.server.calls.sign.flatMap((c) => c.partNumbers);
		expect(signed).toEqual(expect.arrayContaining([1, 2, 3]));
		expect(signed).not.toContain(4);
		for (const call of h.server.calls.sign) expect(call.checksums).toBeDefined();
		await h.clock.run(done);
		expect(runner.state.status).toBe('done');
		expect(runner.stats.partsInMemory).toBe(0);
	});
});
