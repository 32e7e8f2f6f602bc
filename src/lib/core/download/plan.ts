import { TAG_SIZE, planPlaintextRange, type EncryptionHeader } from '../crypto';
import type { DownloadRange } from './types';

/** 8 MiB: large enough that per-request overhead vanishes, small enough to retry cheaply. */
export const DEFAULT_RANGE_SIZE = 8 * 1024 * 1024;

/** A plain object of `size` bytes in ranges of `rangeSize`; the empty object has none. */
export function planPlainRanges(size: number, rangeSize = DEFAULT_RANGE_SIZE): DownloadRange[] {
	const ranges: DownloadRange[] = [];
	for (let start = 0, index = 0; start < size; start += rangeSize, index++) {
		const end = Math.min(size, start + rangeSize);
		ranges.push({ index, fetchStart: start, fetchEnd: end, writeStart: start, writeEnd: end });
	}
	return ranges;
}

/**
 * An encrypted object in ranges of whole records: a range's ciphertext can then be
 * authenticated on its own, and its plaintext lands at a known offset. `rangeSize` is
 * rounded down to a multiple of the record size (at least one record). The empty file still
 * has one record (its tag) but no byte to write, so it gets one range writing nothing.
 */
export function planEncryptedRanges(
	header: EncryptionHeader,
	rangeSize = DEFAULT_RANGE_SIZE
): DownloadRange[] {
	const step = Math.max(1, Math.floor(rangeSize / header.recordSize)) * header.recordSize;
	if (header.plaintextSize === 0) {
		return [
			{
				index: 0,
				fetchStart: 0,
				fetchEnd: TAG_SIZE,
				writeStart: 0,
				writeEnd: 0,
				firstRecord: 0,
				recordCount: 1
			}
		];
	}
	const ranges: DownloadRange[] = [];
	for (let start = 0, index = 0; start < header.plaintextSize; start += step, index++) {
		const plan = planPlaintextRange(header, start, Math.min(header.plaintextSize, start + step));
		ranges.push({
			index,
			fetchStart: plan.ciphertextStart,
			fetchEnd: plan.ciphertextEnd,
			writeStart: plan.plaintextStart,
			writeEnd: plan.plaintextEnd,
			firstRecord: plan.firstRecord,
			recordCount: plan.recordCount
		});
	}
	return ranges;
}

export function plannedSize(ranges: readonly DownloadRange[]): number {
	return ranges.length === 0 ? 0 : ranges[ranges.length - 1]!.writeEnd;
}
