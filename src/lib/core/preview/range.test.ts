import { describe, expect, it } from 'vitest';
import { createHeader } from '../crypto';
import { ciphertextChunks, contentRange, parseRangeHeader, planPreviewSlice } from './range';

const KiB = 1024;
const MiB = 1024 * KiB;
const header = createHeader({
	plaintextSize: 10 * 1024 * MiB,
	recordSize: 64 * KiB,
	nonceBase: new Uint8Array(12)
});

describe('parseRangeHeader', () => {
	it('reads open, closed and suffix ranges', () => {
		expect(parseRangeHeader('bytes=0-', 1000)).toEqual({
			kind: 'range',
			range: { start: 0, end: 1000 }
		});
		expect(parseRangeHeader('bytes=10-19', 1000)).toEqual({
			kind: 'range',
			range: { start: 10, end: 20 }
		});
		expect(parseRangeHeader('bytes=-100', 1000)).toEqual({
			kind: 'range',
			range: { start: 900, end: 1000 }
		});
		expect(parseRangeHeader('bytes=990-5000', 1000)).toEqual({
			kind: 'range',
			range: { start: 990, end: 1000 }
		});
	});

	it('serves the whole file without a header or for one it does not understand', () => {
		expect(parseRangeHeader(null, 1000)).toEqual({ kind: 'whole' });
		expect(parseRangeHeader('bytes=0-1,5-6', 1000)).toEqual({ kind: 'whole' });
		expect(parseRangeHeader('items=0-1', 1000)).toEqual({ kind: 'whole' });
		expect(parseRangeHeader('bytes=20-10', 1000)).toEqual({ kind: 'whole' });
	});

	it('refuses a range that starts past the end (416)', () => {
		expect(parseRangeHeader('bytes=1000-', 1000)).toEqual({ kind: 'unsatisfiable' });
		expect(parseRangeHeader('bytes=-0', 1000)).toEqual({ kind: 'unsatisfiable' });
		expect(parseRangeHeader('bytes=0-', 0)).toEqual({ kind: 'unsatisfiable' });
	});
});

describe('planPreviewSlice', () => {
	it('answers a seek into the middle of a 10 GiB file with only the records near it', () => {
		const middle = 5 * 1024 * MiB + 12_345;
		const slice = planPreviewSlice(header, { start: middle, end: header.plaintextSize }, 1 * MiB);
		expect(slice.range.start).toBe(middle);
		// Ends on the record boundary 1 MiB after the record the seek lands in.
		expect(slice.range.end).toBe(Math.floor(middle / (64 * KiB)) * 64 * KiB + MiB);
		expect(slice.plan.recordCount).toBe(16);
		expect(slice.plan.skip).toBe(12_345);
		const stride = 64 * KiB + 16;
		expect(slice.plan.ciphertextStart).toBe(slice.plan.firstRecord * stride);
		expect(slice.plan.ciphertextEnd - slice.plan.ciphertextStart).toBe(16 * stride);
	});

	it('keeps a short range as asked, and the next sequential slice starts where this one ended', () => {
		const short = planPreviewSlice(header, { start: 100, end: 200 }, MiB);
		expect(short.range).toEqual({ start: 100, end: 200 });
		expect(short.plan.recordCount).toBe(1);
		const first = planPreviewSlice(header, { start: 0, end: header.plaintextSize }, MiB);
		const second = planPreviewSlice(
			header,
			{ start: first.range.end, end: header.plaintextSize },
			MiB
		);
		expect(second.plan.firstRecord).toBe(first.plan.firstRecord + first.plan.recordCount);
		expect(second.plan.skip).toBe(0);
	});

	it('ends with the final record of the file, flagged as last', () => {
		const small = createHeader({ plaintextSize: 200 * KiB + 7, nonceBase: new Uint8Array(12) });
		const slice = planPreviewSlice(small, { start: 150 * KiB, end: small.plaintextSize }, MiB);
		expect(slice.range.end).toBe(small.plaintextSize);
		expect(slice.plan.includesLastRecord).toBe(true);
		expect(slice.plan.firstRecord).toBe(2);
		expect(slice.plan.recordCount).toBe(2);
	});

	it('still returns one record when the cap is below the record size', () => {
		const slice = planPreviewSlice(header, { start: 70 * KiB, end: header.plaintextSize }, 1000);
		expect(slice.range).toEqual({ start: 70 * KiB, end: 128 * KiB });
		expect(slice.plan.recordCount).toBe(1);
	});
});

describe('ciphertextChunks', () => {
	it('splits a plan into whole-record fetches that cover it exactly', () => {
		const slice = planPreviewSlice(header, { start: 0, end: header.plaintextSize }, MiB);
		const chunks = ciphertextChunks(header, slice.plan, 5 * (64 * KiB + 16));
		expect(chunks).toEqual([
			{ firstRecord: 0, recordCount: 5 },
			{ firstRecord: 5, recordCount: 5 },
			{ firstRecord: 10, recordCount: 5 },
			{ firstRecord: 15, recordCount: 1 }
		]);
	});
});

describe('contentRange', () => {
	it('writes inclusive ends', () => {
		expect(contentRange({ start: 0, end: 10 }, 100)).toBe('bytes 0-9/100');
	});
});
