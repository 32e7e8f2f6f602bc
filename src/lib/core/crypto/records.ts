import { TAG_SIZE } from './constants';
import { CryptoFormatError } from './errors';
import { headerAad, nonceBaseBytes, type EncryptionHeader } from './header';
import { recordCount as countRecords, recordSpan } from './layout';
import { recordNonce } from './nonce';

/**
 * Records in flight at once. Each WebCrypto call is an asynchronous job (in
 * Node, a thread-pool task) whose fixed cost for a 64 KiB record is about as
 * large as the AES work itself; overlapping a few calls hides it. In Node on
 * our 2-core machines 4 in flight beat one at a time clearly and 8 added
 * nothing. The cap keeps a huge chunk from queueing thousands of input copies.
 */
const CONCURRENCY = 4;

interface Job {
	index: number;
	input: Uint8Array<ArrayBuffer>;
	outputOffset: number;
}

/** Runs `work` over `jobs` with at most CONCURRENCY running; the first failure stops the rest. */
async function runAll(jobs: Job[], work: (job: Job) => Promise<void>): Promise<void> {
	let next = 0;
	// Jobs start in index order, so the lowest failed index is the first bad record in the
	// range: report that one, whichever lane failed first.
	const failures: { position: number; error: unknown }[] = [];
	const lane = async (): Promise<void> => {
		while (failures.length === 0 && next < jobs.length) {
			const position = next++;
			try {
				await work(jobs[position]!);
			} catch (error) {
				failures.push({ position, error });
			}
		}
	};
	await Promise.all(Array.from({ length: Math.min(CONCURRENCY, jobs.length) }, lane));
	if (failures.length > 0) {
		throw failures.reduce((first, f) => (f.position < first.position ? f : first)).error;
	}
}

/**
 * Encrypts one chunk (typically one upload part) of whole records starting at
 * record `firstRecordIndex`. Every chunk but the last is a positive multiple
 * of the record size; the last chunk runs to the end of the file.
 * `isLastChunk` is redundant with the header on purpose: a caller that
 * disagrees with the header about where the file ends has a bug worth a throw.
 *
 * Retrying a part is safe only with the same bytes: nonces depend on the
 * record index alone, so other plaintext at the same index under the same
 * key reuses a GCM nonce. A changed source means a new key and header.
 */
export async function encryptRecords(
	key: CryptoKey,
	header: EncryptionHeader,
	firstRecordIndex: number,
	plaintext: Uint8Array<ArrayBuffer>,
	isLastChunk: boolean
): Promise<Uint8Array<ArrayBuffer>> {
	const { recordSize: size, plaintextSize } = header;
	const total = countRecords(plaintextSize, size);
	if (
		!Number.isSafeInteger(firstRecordIndex) ||
		firstRecordIndex < 0 ||
		firstRecordIndex >= total
	) {
		throw new CryptoFormatError('invalid_range', 'record index outside the file', {
			firstRecordIndex,
			total
		});
	}
	const remaining = plaintextSize - firstRecordIndex * size;
	const count = isLastChunk ? total - firstRecordIndex : plaintext.length / size;
	const valid = isLastChunk
		? plaintext.length === remaining
		: plaintext.length > 0 && Number.isInteger(count) && firstRecordIndex + count < total;
	if (!valid) {
		throw new CryptoFormatError('invalid_chunk', 'chunk is not whole records at this position', {
			firstRecordIndex,
			length: plaintext.length,
			isLastChunk: String(isLastChunk)
		});
	}

	const nonceBase = nonceBaseBytes(header);
	const additionalData = headerAad(header);
	const output = new Uint8Array(plaintext.length + count * TAG_SIZE);
	const jobs: Job[] = [];
	for (let r = 0; r < count; r++) {
		const start = r * size;
		jobs.push({
			index: firstRecordIndex + r,
			input: plaintext.subarray(start, Math.min(start + size, plaintext.length)),
			outputOffset: start + r * TAG_SIZE
		});
	}
	await runAll(jobs, async ({ index, input, outputOffset }) => {
		const iv = recordNonce(nonceBase, index, index === total - 1);
		const sealed = await crypto.subtle.encrypt(
			{ name: 'AES-GCM', iv, additionalData, tagLength: TAG_SIZE * 8 },
			key,
			input
		);
		output.set(new Uint8Array(sealed), outputOffset);
	});
	return output;
}

/**
 * Decrypts `recordCount` whole records starting at `firstRecordIndex` (one
 * part, or the records a `planPlaintextRange` asked for). The caller states
 * how many records it expects because only it knows: a ciphertext that ends
 * early on a record boundary looks exactly like a shorter request, and
 * naming the count is what turns a cut-off download into `truncated`.
 */
export async function decryptRecords(
	key: CryptoKey,
	header: EncryptionHeader,
	firstRecordIndex: number,
	ciphertext: Uint8Array<ArrayBuffer>,
	recordCount: number
): Promise<Uint8Array<ArrayBuffer>> {
	const span = recordSpan(header, firstRecordIndex, recordCount);
	const expected = span.ciphertextEnd - span.ciphertextStart;
	if (ciphertext.length !== expected) {
		throw new CryptoFormatError(
			ciphertext.length < expected ? 'truncated' : 'trailing_data',
			'ciphertext length does not match the records asked for',
			{ firstRecordIndex, recordCount, expected, actual: ciphertext.length }
		);
	}

	const size = header.recordSize;
	const stride = size + TAG_SIZE;
	const lastIndex = span.includesLastRecord ? firstRecordIndex + recordCount - 1 : -1;
	const nonceBase = nonceBaseBytes(header);
	const additionalData = headerAad(header);
	const output = new Uint8Array(span.plaintextEnd - span.plaintextStart);
	const jobs: Job[] = [];
	for (let r = 0; r < recordCount; r++) {
		const start = r * stride;
		jobs.push({
			index: firstRecordIndex + r,
			input: ciphertext.subarray(start, Math.min(start + stride, ciphertext.length)),
			outputOffset: r * size
		});
	}
	await runAll(jobs, async ({ index, input, outputOffset }) => {
		const iv = recordNonce(nonceBase, index, index === lastIndex);
		let opened: ArrayBuffer;
		try {
			opened = await crypto.subtle.decrypt(
				{ name: 'AES-GCM', iv, additionalData, tagLength: TAG_SIZE * 8 },
				key,
				input
			);
		} catch (error) {
			// OperationError is WebCrypto's only answer to a tag that does not verify.
			// Match on the name: instanceof is unreliable across realms (workers, vm contexts).
			if (
				typeof error === 'object' &&
				error !== null &&
				'name' in error &&
				error.name === 'OperationError'
			) {
				throw new CryptoFormatError('decrypt_failed', 'record failed authentication', {
					record: index
				});
			}
			throw error;
		}
		output.set(new Uint8Array(opened), outputOffset);
	});
	return output;
}
