import { describe, expect, it } from 'vitest';
import { planPlaintextRange } from './layout';
import { encryptRecords } from './records';
import { createDecryptStream, createEncryptStream } from './stream';
import {
	SMALL_RECORD as R,
	chunked,
	collect,
	firstDifference,
	katKey,
	pattern,
	smallHeader
} from './test-fixtures';

const CHUNKINGS = [[1000], [R], [R - 1, 3], [7, 3 * R + 5], [1 << 20]];

async function reference(size: number) {
	const key = await katKey();
	const header = smallHeader(size);
	const plaintext = pattern(size);
	const ciphertext = await encryptRecords(key, header, 0, plaintext, true);
	return { key, header, plaintext, ciphertext };
}

describe('createEncryptStream', () => {
	it.each([0, 1, R - 1, R, R + 1, 5 * R + 123])(
		'%i bytes in any chunking give the same bytes as encryptRecords',
		async (size) => {
			const { key, header, plaintext, ciphertext } = await reference(size);
			for (const sizes of CHUNKINGS) {
				const out = await collect(
					chunked(plaintext, sizes).pipeThrough(createEncryptStream(key, header))
				);
				expect(firstDifference(out, ciphertext)).toBe(-1);
			}
		}
	);

	it('accepts empty chunks', async () => {
		const { key, header, plaintext, ciphertext } = await reference(R + 1);
		const source = new ReadableStream<Uint8Array<ArrayBuffer>>({
			start(controller) {
				controller.enqueue(new Uint8Array(0));
				controller.enqueue(plaintext.slice(0, R));
				controller.enqueue(new Uint8Array(0));
				controller.enqueue(plaintext.slice(R));
				controller.enqueue(new Uint8Array(0));
				controller.close();
			}
		});
		const out = await collect(source.pipeThrough(createEncryptStream(key, header)));
		expect(firstDifference(out, ciphertext)).toBe(-1);
	});

	it('refuses a stream longer or shorter than the header says', async () => {
		const key = await katKey();
		const header = smallHeader(R + 1);
		const longer = chunked(pattern(R + 2), [R]).pipeThrough(createEncryptStream(key, header));
		await expect(collect(longer)).rejects.toMatchObject({ code: 'size_mismatch' });
		const shorter = chunked(pattern(R), [R]).pipeThrough(createEncryptStream(key, header));
		await expect(collect(shorter)).rejects.toMatchObject({ code: 'size_mismatch' });
	});

	it('holds the producer back while nobody reads', async () => {
		const key = await katKey();
		const records = 200;
		const header = smallHeader(records * R);
		let pulls = 0;
		const source = new ReadableStream<Uint8Array<ArrayBuffer>>(
			{
				pull(controller) {
					if (pulls === records) return controller.close();
					pulls++;
					controller.enqueue(pattern(R, pulls));
				}
			},
			{ highWaterMark: 0 }
		);
		const reader = source.pipeThrough(createEncryptStream(key, header)).getReader();
		await reader.read();
		await new Promise((resolve) => setTimeout(resolve, 50));
		// One record out, a couple in the pipe's queues: nowhere near all 200.
		expect(pulls).toBeLessThan(6);
		let chunks = 1;
		while (!(await reader.read()).done) chunks++;
		expect(chunks).toBe(records);
	});
});

describe('createDecryptStream', () => {
	it.each([0, 1, R - 1, R, R + 1, 5 * R + 123])(
		'%i bytes round-trip in any chunking',
		async (size) => {
			const { key, header, plaintext, ciphertext } = await reference(size);
			for (const sizes of CHUNKINGS) {
				const out = await collect(
					chunked(ciphertext, sizes).pipeThrough(createDecryptStream(key, header))
				);
				expect(firstDifference(out, plaintext)).toBe(-1);
			}
		}
	);

	it('returns exactly the requested plaintext range from a ranged ciphertext body', async () => {
		const size = 6 * R + 77;
		const { key, header, plaintext, ciphertext } = await reference(size);
		const ranges = [
			[0, 1],
			[0, size],
			[R - 3, R + 3],
			[2 * R, 3 * R],
			[size - 10, size],
			[123, 5 * R + 9]
		] as const;
		for (const [start, end] of ranges) {
			const plan = planPlaintextRange(header, start, end);
			const body = ciphertext.slice(plan.ciphertextStart, plan.ciphertextEnd);
			for (const sizes of [[999], [R + 16]]) {
				const out = await collect(
					chunked(body, sizes).pipeThrough(createDecryptStream(key, header, { start, end }))
				);
				expect(firstDifference(out, plaintext.subarray(start, end))).toBe(-1);
			}
		}
	});

	it('reports a dropped last record as truncated', async () => {
		const { key, header, ciphertext } = await reference(3 * R + 100);
		const cut = ciphertext.slice(0, 3 * (R + 16));
		const out = chunked(cut, [5000]).pipeThrough(createDecryptStream(key, header));
		await expect(collect(out)).rejects.toMatchObject({ code: 'truncated' });
	});

	it('reports bytes after the last record as trailing data', async () => {
		const { key, header, ciphertext } = await reference(R + 1);
		const longer = new Uint8Array(ciphertext.length + 1);
		longer.set(ciphertext);
		const out = chunked(longer, [R]).pipeThrough(createDecryptStream(key, header));
		await expect(collect(out)).rejects.toMatchObject({ code: 'trailing_data' });
	});

	it('fails on a flipped bit in the middle of the stream', async () => {
		const size = 4 * R;
		const { key, header, ciphertext } = await reference(size);
		const forged = ciphertext.slice();
		forged[2 * (R + 16) + 5]! ^= 1;
		const out = chunked(forged, [3000]).pipeThrough(createDecryptStream(key, header));
		await expect(collect(out)).rejects.toMatchObject({
			code: 'decrypt_failed',
			details: { record: 2 }
		});
	});
});
