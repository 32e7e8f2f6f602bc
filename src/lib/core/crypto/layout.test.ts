import { describe, expect, it } from 'vitest';
import {
	ciphertextPartSize,
	ciphertextSize,
	partCount,
	partSpan,
	planPlaintextRange,
	plaintextSizeOf,
	recordCount,
	recordSpan,
	recordsInCiphertextRange
} from './layout';
import { SMALL_RECORD as R, smallHeader } from './test-fixtures';

function codeOf(run: () => unknown): string | undefined {
	try {
		run();
	} catch (error) {
		return (error as { code?: string }).code;
	}
	return undefined;
}

describe('record and ciphertext sizes', () => {
	it.each([
		[0, 1, 16],
		[1, 1, 17],
		[R - 1, 1, R + 15],
		[R, 1, R + 16],
		[R + 1, 2, R + 33],
		[3 * R, 3, 3 * R + 48],
		[3 * R + 100, 4, 3 * R + 164]
	])('%i plaintext bytes: %i records, %i ciphertext bytes', (size, records, cipher) => {
		expect(recordCount(size, R)).toBe(records);
		expect(ciphertextSize(size, R)).toBe(cipher);
		expect(plaintextSizeOf(cipher, R)).toBe(size);
	});

	it('inverts ciphertextSize for every size across a few records', () => {
		const wrong: number[] = [];
		for (let size = 0; size <= 3 * R + 20; size++) {
			if (plaintextSizeOf(ciphertextSize(size, R), R) !== size) wrong.push(size);
		}
		expect(wrong).toEqual([]);
	});

	it('keeps the largest file in safe-integer range', () => {
		expect(Number.isSafeInteger(ciphertextSize(2 ** 52, 4096))).toBe(true);
	});

	it('refuses ciphertext sizes nothing encrypts to', () => {
		for (const bad of [0, 15, R + 16 + 16, R + 16 + 5, -16, 1.5]) {
			expect(codeOf(() => plaintextSizeOf(bad, R))).toBe('invalid_range');
		}
	});

	it('refuses invalid record sizes', () => {
		expect(codeOf(() => recordCount(10, 1000))).toBe('invalid_header');
		expect(codeOf(() => recordCount(-1, R))).toBe('invalid_range');
	});
});

describe('ciphertextPartSize', () => {
	it('adds one tag per record', () => {
		expect(ciphertextPartSize(8 * 1024 * 1024, 64 * 1024)).toBe(8 * 1024 * 1024 + 128 * 16);
		expect(ciphertextPartSize(R, R)).toBe(R + 16);
	});

	it('refuses parts that are not whole records', () => {
		expect(codeOf(() => ciphertextPartSize(R + 1, R))).toBe('invalid_range');
		expect(codeOf(() => ciphertextPartSize(0, R))).toBe('invalid_range');
	});
});

describe('recordSpan', () => {
	const header = smallHeader(3 * R + 100);

	it('maps middle records to full strides', () => {
		expect(recordSpan(header, 1, 2)).toEqual({
			firstRecord: 1,
			recordCount: 2,
			plaintextStart: R,
			plaintextEnd: 3 * R,
			ciphertextStart: R + 16,
			ciphertextEnd: 3 * R + 48,
			includesLastRecord: false
		});
	});

	it('ends the final record at the file end', () => {
		const span = recordSpan(header, 3, 1);
		expect(span.plaintextEnd).toBe(3 * R + 100);
		expect(span.ciphertextEnd).toBe(ciphertextSize(3 * R + 100, R));
		expect(span.includesLastRecord).toBe(true);
	});

	it('refuses records outside the file', () => {
		expect(codeOf(() => recordSpan(header, 3, 2))).toBe('invalid_range');
		expect(codeOf(() => recordSpan(header, 0, 0))).toBe('invalid_range');
		expect(codeOf(() => recordSpan(header, -1, 1))).toBe('invalid_range');
	});
});

describe('planPlaintextRange', () => {
	const size = 3 * R + 100;
	const header = smallHeader(size);
	const points = [0, 1, R - 1, R, R + 1, 2 * R - 1, 2 * R, 3 * R, 3 * R + 1, size - 1, size];

	it('covers every requested range with the fewest whole records', () => {
		for (const start of points) {
			for (const end of points) {
				if (end <= start) continue;
				const plan = planPlaintextRange(header, start, end);
				expect(plan.firstRecord).toBe(Math.floor(start / R));
				expect(plan.firstRecord + plan.recordCount - 1).toBe(Math.floor((end - 1) / R));
				expect(plan.plaintextStart + plan.skip).toBe(start);
				expect(plan.length).toBe(end - start);
				expect(plan.plaintextStart + plan.skip + plan.length).toBeLessThanOrEqual(
					plan.plaintextEnd
				);
				expect(plan.ciphertextStart).toBe(plan.firstRecord * (R + 16));
				expect(plan.ciphertextEnd - plan.ciphertextStart).toBe(
					plan.plaintextEnd - plan.plaintextStart + plan.recordCount * 16
				);
			}
		}
	});

	it('refuses empty, reversed and out-of-file ranges', () => {
		expect(codeOf(() => planPlaintextRange(header, 5, 5))).toBe('invalid_range');
		expect(codeOf(() => planPlaintextRange(header, 6, 5))).toBe('invalid_range');
		expect(codeOf(() => planPlaintextRange(header, 0, size + 1))).toBe('invalid_range');
		expect(codeOf(() => planPlaintextRange(header, -1, 3))).toBe('invalid_range');
		expect(codeOf(() => planPlaintextRange(smallHeader(0), 0, 0))).toBe('invalid_range');
	});
});

describe('recordsInCiphertextRange', () => {
	const size = 3 * R + 100;
	const header = smallHeader(size);
	const end = ciphertextSize(size, R);

	it('maps record-aligned ciphertext ranges back to records and plaintext', () => {
		expect(recordsInCiphertextRange(header, 0, end)).toEqual(recordSpan(header, 0, 4));
		expect(recordsInCiphertextRange(header, R + 16, 3 * (R + 16))).toEqual(
			recordSpan(header, 1, 2)
		);
		expect(recordsInCiphertextRange(header, 3 * (R + 16), end)).toEqual(recordSpan(header, 3, 1));
		expect(recordsInCiphertextRange(smallHeader(0), 0, 16)).toEqual(
			recordSpan(smallHeader(0), 0, 1)
		);
	});

	it('refuses ranges that cut a record', () => {
		expect(codeOf(() => recordsInCiphertextRange(header, 1, R + 16))).toBe('invalid_range');
		expect(codeOf(() => recordsInCiphertextRange(header, 0, R))).toBe('invalid_range');
		expect(codeOf(() => recordsInCiphertextRange(header, 0, end + 1))).toBe('invalid_range');
		expect(codeOf(() => recordsInCiphertextRange(header, end, end))).toBe('invalid_range');
	});
});

describe('parts', () => {
	it('tiles the file with whole-record parts of equal ciphertext size but the last', () => {
		const partSize = 4 * R;
		for (const size of [1, R, 4 * R - 1, 4 * R, 4 * R + 1, 10 * R + 7, 12 * R]) {
			const header = smallHeader(size);
			const parts = partCount(header, partSize);
			expect(parts).toBe(Math.ceil(size / partSize));
			let plaintext = 0;
			let ciphertext = 0;
			for (let index = 0; index < parts; index++) {
				const span = partSpan(header, partSize, index);
				expect(span.plaintextStart).toBe(plaintext);
				expect(span.ciphertextStart).toBe(ciphertext);
				expect(span.includesLastRecord).toBe(index === parts - 1);
				if (index < parts - 1) {
					expect(span.ciphertextEnd - span.ciphertextStart).toBe(ciphertextPartSize(partSize, R));
				}
				plaintext = span.plaintextEnd;
				ciphertext = span.ciphertextEnd;
			}
			expect(plaintext).toBe(size);
			expect(ciphertext).toBe(ciphertextSize(size, R));
		}
	});

	it('uploads the empty file as one part holding one empty record', () => {
		const header = smallHeader(0);
		expect(partCount(header, 4 * R)).toBe(1);
		expect(partSpan(header, 4 * R, 0)).toEqual(recordSpan(header, 0, 1));
		expect(partSpan(header, 4 * R, 0).ciphertextEnd).toBe(16);
	});

	it('refuses parts past the end and part sizes that split records', () => {
		const header = smallHeader(5 * R);
		expect(codeOf(() => partSpan(header, 4 * R, 2))).toBe('invalid_range');
		expect(codeOf(() => partCount(header, 4 * R + 1))).toBe('invalid_range');
	});
});
