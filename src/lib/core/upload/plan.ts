import { TransferError } from '../errors';
import type { Cipher } from '../../ports';
import type { PartRecord } from './types';

/** S3's limit; a plan with more parts cannot be completed. */
export const MAX_PARTS = 10_000;

/**
 * How the stored object is cut into parts, and where each part's plaintext lives in the file.
 * Without a cipher both coincide. Part numbers are 1-based; every part has `partSize` stored
 * bytes except the last. A 0-byte file is one empty part (S3 needs at least one part).
 */
export interface PartLayout {
	readonly size: number;
	readonly partSize: number;
	readonly partCount: number;
	readonly plainSize: number;
	readonly plainPartSize: number;
}

export function expectedPartCount(size: number, partSize: number): number {
	return size === 0 ? 1 : Math.ceil(size / partSize);
}

function reject(message: string): never {
	throw new TransferError('server_rejected', message);
}

/** Checks the server's plan against the file; a mismatch would corrupt the object silently. */
export function createLayout(
	plan: { size: number; partSize: number; partCount: number },
	plainSize: number,
	cipher?: Pick<Cipher, 'plaintextPartSize' | 'encryptedLength'>
): PartLayout {
	const { size, partSize, partCount } = plan;
	if (!Number.isSafeInteger(partSize) || partSize <= 0) reject(`bad partSize ${partSize}`);
	if (partCount !== expectedPartCount(size, partSize)) {
		reject(`partCount ${partCount} does not cover ${size} bytes in parts of ${partSize}`);
	}
	if (partCount > MAX_PARTS) reject(`${partCount} parts exceeds ${MAX_PARTS}`);
	const expectedSize = cipher ? cipher.encryptedLength(plainSize, true) : plainSize;
	if (size !== expectedSize) reject(`server size ${size}, expected ${expectedSize}`);
	const plainPartSize = cipher ? cipher.plaintextPartSize(partSize) : partSize;
	const layout: PartLayout = { size, partSize, partCount, plainSize, plainPartSize };
	if (cipher) {
		const lastPlain = plainPartRange(layout, partCount);
		const lastStored = storedPartSize(layout, partCount);
		const alignedPart = cipher.encryptedLength(plainPartSize, false) === partSize;
		const alignedLast =
			cipher.encryptedLength(lastPlain.end - lastPlain.start, true) === lastStored;
		if (!alignedPart || !alignedLast) reject(`partSize ${partSize} is not record-aligned`);
	}
	return layout;
}

export function storedPartSize(layout: PartLayout, partNumber: number): number {
	return partNumber < layout.partCount
		? layout.partSize
		: layout.size - (layout.partCount - 1) * layout.partSize;
}

export function plainPartRange(
	layout: PartLayout,
	partNumber: number
): { start: number; end: number } {
	const start = (partNumber - 1) * layout.plainPartSize;
	const end = partNumber < layout.partCount ? start + layout.plainPartSize : layout.plainSize;
	return { start, end };
}

export function initialParts(layout: PartLayout): PartRecord[] {
	return Array.from({ length: layout.partCount }, (_, i) => ({
		partNumber: i + 1,
		size: storedPartSize(layout, i + 1),
		state: 'pending' as const
	}));
}
