import { ciphertextPartSize, ciphertextSize } from '$lib/core/crypto/layout';
import { formatBytes } from '$lib/core/format';
import type { StorageCapabilities } from './storage/types';

const MiB = 1024 * 1024;
/** Below this, per-request overhead dominates on a fast link; above, retries cost more. */
export const DEFAULT_TARGET_PART_SIZE = 16 * MiB;

export interface PartPlanInput {
	/** Bytes the file will occupy in storage (ciphertext size for encrypted files). */
	size: number;
	/** Plaintext bytes; equals `size` for plain files. */
	plaintextSize: number;
	/** Record size of the encryption format, or null for plain files. */
	recordSize: number | null;
	capabilities: Pick<StorageCapabilities, 'maxParts' | 'minPartSize' | 'maxPartSize' | 'maxObjectSize'>;
	preferredPartSize?: number;
}

export type PartPlan =
	| { ok: true; partSize: number; plaintextPartSize: number; partCount: number }
	| { ok: false; code: 'file_too_large' | 'part_size_out_of_range'; message: string };

const roundUpToMiB = (n: number) => Math.ceil(n / MiB) * MiB;

/**
 * Chooses the part size. Plaintext parts are whole MiB (so they hold whole
 * encryption records); stored parts are at least the provider's minimum, few
 * enough to stay within its part limit, and all equal but the last, which
 * keeps R2-style providers happy without a special case.
 */
export function planParts(input: PartPlanInput): PartPlan {
	const { size, plaintextSize, recordSize, capabilities: caps } = input;
	if (size > caps.maxObjectSize) {
		return { ok: false, code: 'file_too_large', message: `This storage holds files of at most ${formatBytes(caps.maxObjectSize)}; the file has ${formatBytes(size)}.` };
	}
	const stored = (plain: number) => (recordSize === null ? plain : ciphertextPartSize(plain, recordSize));
	// The smallest plaintext part whose stored size satisfies the minimum and the part limit.
	let lower = roundUpToMiB(Math.max(1, Math.ceil(plaintextSize / caps.maxParts)));
	while (stored(lower) < caps.minPartSize) lower += MiB;
	let upper = Math.floor(caps.maxPartSize / MiB) * MiB;
	while (upper > 0 && stored(upper) > caps.maxPartSize) upper -= MiB;
	if (lower > upper) {
		return { ok: false, code: 'file_too_large', message: `The file is too large to upload in ${caps.maxParts} parts of at most ${formatBytes(caps.maxPartSize)}.` };
	}
	let plain = Math.max(lower, DEFAULT_TARGET_PART_SIZE);
	if (input.preferredPartSize !== undefined) {
		const preferred = roundUpToMiB(input.preferredPartSize);
		if (preferred > upper) {
			return { ok: false, code: 'part_size_out_of_range', message: `preferredPartSize may be at most ${formatBytes(upper)} on this storage.` };
		}
		plain = Math.max(lower, preferred);
	}
	plain = Math.min(plain, upper);
	const partSize = stored(plain);
	const partCount = plaintextSize === 0 ? 1 : Math.ceil(plaintextSize / plain);
	if (recordSize !== null && ciphertextSize(plaintextSize, recordSize) !== size) {
		return { ok: false, code: 'part_size_out_of_range', message: 'size does not match the encrypted size of plaintextSize.' };
	}
	return { ok: true, partSize, plaintextPartSize: plain, partCount };
}
