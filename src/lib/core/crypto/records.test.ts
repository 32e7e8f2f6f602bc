import { describe, expect, it } from 'vitest';
import { createHeader, headerAad } from './header';
import { generateFileKey, importFileKey } from './keys';
import { partCount, partSpan, planPlaintextRange, recordCount } from './layout';
import { recordNonce } from './nonce';
import { decryptRecords, encryptRecords } from './records';
import {
	KAT_NONCE_BASE,
	SMALL_RECORD as R,
	firstDifference,
	katKey,
	pattern,
	smallHeader
} from './test-fixtures';

const STRIDE = R + 16;

async function encryptWhole(size: number, key?: CryptoKey) {
	const header = smallHeader(size);
	const plaintext = pattern(size);
	const fileKey = key ?? (await katKey());
	const ciphertext = await encryptRecords(fileKey, header, 0, plaintext, true);
	return { header, plaintext, key: fileKey, ciphertext };
}

function concat(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
	const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
	let offset = 0;
	for (const part of parts) {
		out.set(part, offset);
		offset += part.length;
	}
	return out;
}

/** A small seeded generator, so a failing range can be replayed. */
function random(seed: number): () => number {
	let state = seed;
	return () => {
		state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
		return state / 2 ** 32;
	};
}

describe('round trips', () => {
	it.each([0, 1, R - 1, R, R + 1, 2 * R, 5 * R + 123])('%i bytes', async (size) => {
		const { header, plaintext, key, ciphertext } = await encryptWhole(size);
		const records = recordCount(size, R);
		expect(ciphertext.length).toBe(size + records * 16);
		expect(
			firstDifference(await decryptRecords(key, header, 0, ciphertext, records), plaintext)
		).toBe(-1);
	});

	it('encrypting part by part gives the same bytes as one call, and parts decrypt alone', async () => {
		const partSize = 2 * R;
		for (const size of [1, 2 * R, 2 * R + 1, 7 * R + 5, 8 * R]) {
			const { header, plaintext, key, ciphertext } = await encryptWhole(size);
			const parts: Uint8Array[] = [];
			const count = partCount(header, partSize);
			for (let index = 0; index < count; index++) {
				const span = partSpan(header, partSize, index);
				const slice = plaintext.subarray(span.plaintextStart, span.plaintextEnd);
				const sealed = await encryptRecords(
					key,
					header,
					span.firstRecord,
					slice,
					index === count - 1
				);
				expect(sealed.length).toBe(span.ciphertextEnd - span.ciphertextStart);
				const opened = await decryptRecords(
					key,
					header,
					span.firstRecord,
					sealed,
					span.recordCount
				);
				expect(firstDifference(opened, slice)).toBe(-1);
				parts.push(sealed);
			}
			expect(firstDifference(concat(...parts), ciphertext)).toBe(-1);
		}
	});

	it('decrypts arbitrary byte ranges without reading from the start', async () => {
		const size = 9 * R + 321;
		const { header, plaintext, key, ciphertext } = await encryptWhole(size);
		const next = random(42);
		const ranges: [number, number][] = [
			[0, 1],
			[size - 1, size],
			[R - 1, R + 1],
			[0, size]
		];
		for (let i = 0; i < 60; i++) {
			const start = Math.floor(next() * size);
			const length = 1 + Math.floor(next() * Math.min(size - start, 3 * R));
			ranges.push([start, start + length]);
		}
		for (const [start, end] of ranges) {
			const plan = planPlaintextRange(header, start, end);
			const fetched = ciphertext.slice(plan.ciphertextStart, plan.ciphertextEnd);
			const opened = await decryptRecords(key, header, plan.firstRecord, fetched, plan.recordCount);
			const wanted = plaintext.subarray(start, end);
			expect(firstDifference(opened.subarray(plan.skip, plan.skip + plan.length), wanted)).toBe(-1);
		}
	});

	it('works with a random key and nonce base at the default record size', async () => {
		const key = await importFileKey(generateFileKey());
		const plaintext = pattern(3 * 65536 + 7, 9);
		const header = createHeader({ plaintextSize: plaintext.length });
		const ciphertext = await encryptRecords(key, header, 0, plaintext, true);
		expect(firstDifference(await decryptRecords(key, header, 0, ciphertext, 4), plaintext)).toBe(
			-1
		);
	});
});

describe('tampering', () => {
	const size = 3 * R + 100; // records 0..2 full, record 3 holds 100 bytes

	it('rejects one flipped bit anywhere in any record, data or tag', async () => {
		const { header, key, ciphertext } = await encryptWhole(size);
		const records = recordCount(size, R);
		for (let record = 0; record < records; record++) {
			const recordEnd = Math.min((record + 1) * STRIDE, ciphertext.length);
			for (const offset of [record * STRIDE, record * STRIDE + 57, recordEnd - 1]) {
				const forged = ciphertext.slice();
				forged[offset]! ^= 0x10;
				await expect(decryptRecords(key, header, 0, forged, records)).rejects.toMatchObject({
					code: 'decrypt_failed',
					details: { record }
				});
				// A ranged read of only that record notices too.
				const alone = forged.slice(record * STRIDE, recordEnd);
				await expect(decryptRecords(key, header, record, alone, 1)).rejects.toMatchObject({
					code: 'decrypt_failed'
				});
			}
		}
	});

	it('rejects a file whose last record was dropped', async () => {
		const { header, key, ciphertext } = await encryptWhole(size);
		const cut = ciphertext.slice(0, 3 * STRIDE);
		// The stored header still says 4 records: the length gives it away.
		await expect(decryptRecords(key, header, 0, cut, 4)).rejects.toMatchObject({
			code: 'truncated'
		});
		// The header rewritten to match the shorter file: the tags give it away.
		const shortened = createHeader({
			plaintextSize: 3 * R,
			recordSize: R,
			nonceBase: KAT_NONCE_BASE
		});
		await expect(decryptRecords(key, shortened, 0, cut, 3)).rejects.toMatchObject({
			code: 'decrypt_failed'
		});
	});

	it('rejects a final record sealed without the last-record flag', async () => {
		// Forge what an encryptor without the flag would write, with the right AAD,
		// to show the flag itself is checked and not only the header size.
		const { header, key, ciphertext } = await encryptWhole(2 * R);
		const forgedLast = await crypto.subtle.encrypt(
			{
				name: 'AES-GCM',
				iv: recordNonce(KAT_NONCE_BASE, 1, false),
				additionalData: headerAad(header)
			},
			key,
			pattern(2 * R).subarray(R)
		);
		const forged = concat(ciphertext.subarray(0, STRIDE), new Uint8Array(forgedLast));
		expect(forged.length).toBe(ciphertext.length);
		await expect(decryptRecords(key, header, 0, forged, 2)).rejects.toMatchObject({
			code: 'decrypt_failed',
			details: { record: 1 }
		});
	});

	it('rejects two swapped records', async () => {
		const { header, key, ciphertext } = await encryptWhole(size);
		const swapped = concat(
			ciphertext.subarray(0, STRIDE),
			ciphertext.subarray(2 * STRIDE, 3 * STRIDE),
			ciphertext.subarray(STRIDE, 2 * STRIDE),
			ciphertext.subarray(3 * STRIDE)
		);
		await expect(decryptRecords(key, header, 0, swapped, 4)).rejects.toMatchObject({
			code: 'decrypt_failed'
		});
	});

	it('rejects a record taken from another file under the same key', async () => {
		const { header, key, ciphertext } = await encryptWhole(size);
		const otherHeader = smallHeader(size, new Uint8Array(12).fill(7));
		const other = await encryptRecords(key, otherHeader, 0, pattern(size), true);
		const mixed = concat(
			ciphertext.subarray(0, STRIDE),
			other.subarray(STRIDE, 2 * STRIDE),
			ciphertext.subarray(2 * STRIDE)
		);
		await expect(decryptRecords(key, header, 0, mixed, 4)).rejects.toMatchObject({
			code: 'decrypt_failed',
			details: { record: 1 }
		});
	});

	it('rejects the wrong key', async () => {
		const { header, ciphertext } = await encryptWhole(size);
		const wrongKey = await importFileKey(generateFileKey());
		await expect(decryptRecords(wrongKey, header, 0, ciphertext, 4)).rejects.toMatchObject({
			code: 'decrypt_failed'
		});
	});

	it('rejects an edited header even where lengths still line up', async () => {
		const { key, ciphertext } = await encryptWhole(size);
		// One byte shorter on both sides: same record count, same layout.
		const edited = smallHeader(size - 1);
		await expect(decryptRecords(key, edited, 0, ciphertext.slice(0, -1), 4)).rejects.toMatchObject({
			code: 'decrypt_failed',
			details: { record: 0 }
		});
		const otherRecordSize = createHeader({
			plaintextSize: size,
			recordSize: 2 * R,
			nonceBase: KAT_NONCE_BASE
		});
		await expect(
			decryptRecords(key, otherRecordSize, 0, ciphertext.slice(0, 2 * R + 16), 1)
		).rejects.toMatchObject({ code: 'decrypt_failed' });
	});
});

describe('argument checks', () => {
	it('refuses chunks that are not whole records where they claim to be', async () => {
		const key = await katKey();
		const header = smallHeader(3 * R + 100);
		const cases: [number, number, boolean][] = [
			[0, R + 1, false], // not whole records
			[0, 0, false], // empty non-final chunk
			[0, 3 * R, true], // claims to be last but stops short
			[0, 3 * R + 100, false], // holds the last record but says it does not
			[3, 99, true] // final record one byte short
		];
		for (const [first, length, isLast] of cases) {
			await expect(
				encryptRecords(key, header, first, pattern(length), isLast)
			).rejects.toMatchObject({
				code: 'invalid_chunk'
			});
		}
		await expect(encryptRecords(key, header, 4, pattern(0), true)).rejects.toMatchObject({
			code: 'invalid_range'
		});
	});

	it('refuses ciphertext that does not match the records asked for', async () => {
		const { header, key, ciphertext } = await encryptWhole(3 * R + 100);
		await expect(decryptRecords(key, header, 0, ciphertext, 5)).rejects.toMatchObject({
			code: 'invalid_range'
		});
		await expect(decryptRecords(key, header, 0, ciphertext, 3)).rejects.toMatchObject({
			code: 'trailing_data'
		});
		await expect(
			decryptRecords(key, header, 0, ciphertext.slice(0, 2 * STRIDE - 1), 2)
		).rejects.toMatchObject({ code: 'truncated' });
	});
});
