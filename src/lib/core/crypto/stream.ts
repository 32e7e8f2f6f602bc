import { TAG_SIZE } from './constants';
import { CryptoFormatError } from './errors';
import type { EncryptionHeader } from './header';
import { planPlaintextRange, recordCount, recordSpan, type PlaintextRangePlan } from './layout';
import { decryptRecords, encryptRecords } from './records';

// Both streams cut their input into records, keep at most one incomplete
// record of their own, and hand whole runs of records to encryptRecords /
// decryptRecords. Backpressure is the TransformStream's: transform() is not
// called again until its promise settles and the reader has taken the output,
// so a slow consumer stops the producer instead of filling memory.

type Emit = (bytes: Uint8Array<ArrayBuffer>, controller: Controller) => Promise<void>;
type Controller = TransformStreamDefaultController<Uint8Array<ArrayBuffer>>;

/**
 * The shared slicer: `unit` bytes per record, `expected` bytes in all.
 * Sends whole records straight from the input chunk (no copy) and only
 * buffers the tail that does not fill a record yet.
 */
function recordSlicer(
	unit: number,
	expected: number,
	emit: Emit,
	onLength: (code: 'too_long' | 'too_short', received: number) => CryptoFormatError,
	onEmptyEnd: (controller: Controller) => Promise<void>
): Transformer<Uint8Array<ArrayBuffer>, Uint8Array<ArrayBuffer>> {
	const pending = new Uint8Array(unit);
	let filled = 0;
	let received = 0;
	return {
		async transform(chunk, controller) {
			if (received + chunk.length > expected) throw onLength('too_long', received + chunk.length);
			received += chunk.length;
			const done = received === expected;
			let rest = chunk;
			if (filled > 0) {
				const take = Math.min(unit - filled, rest.length);
				pending.set(rest.subarray(0, take), filled);
				filled += take;
				rest = rest.subarray(take);
				if (filled < unit && !done) return;
				// WebCrypto copies its input when called, so `pending` is free again afterwards.
				await emit(pending.subarray(0, filled), controller);
				filled = 0;
			}
			if (rest.length === 0) return;
			if (done) return emit(rest, controller);
			const whole = rest.length - (rest.length % unit);
			if (whole > 0) await emit(rest.subarray(0, whole), controller);
			pending.set(rest.subarray(whole));
			filled = rest.length - whole;
		},
		async flush(controller) {
			if (received < expected) throw onLength('too_short', received);
			if (expected === 0) await onEmptyEnd(controller);
		}
	};
}

/**
 * Encrypts a whole file's plaintext stream into its ciphertext. The stream
 * must carry exactly `header.plaintextSize` bytes: the size is authenticated
 * in every record, so it has to be known before the first one is sealed.
 */
export function createEncryptStream(
	key: CryptoKey,
	header: EncryptionHeader
): TransformStream<Uint8Array<ArrayBuffer>, Uint8Array<ArrayBuffer>> {
	const size = header.recordSize;
	const total = recordCount(header.plaintextSize, size);
	let index = 0;
	const emit: Emit = async (bytes, controller) => {
		const count = Math.max(1, Math.ceil(bytes.length / size));
		const isLast = index + count === total;
		controller.enqueue(await encryptRecords(key, header, index, bytes, isLast));
		index += count;
	};
	return new TransformStream(
		recordSlicer(
			size,
			header.plaintextSize,
			emit,
			(_, received) =>
				new CryptoFormatError('size_mismatch', 'plaintext stream length differs from header', {
					received,
					expected: header.plaintextSize
				}),
			// The empty file still gets its one record: a tag over nothing.
			(controller) => emit(new Uint8Array(0), controller)
		)
	);
}

/**
 * Decrypts a ciphertext stream. Without `range` the input is the whole
 * object and the output the whole file. With `range` (plaintext [start, end))
 * the input must be exactly the ciphertext bytes `planPlaintextRange` names,
 * e.g. the body of a Range request, and the output is exactly the requested
 * bytes: what a service worker answering a media seek needs.
 */
export function createDecryptStream(
	key: CryptoKey,
	header: EncryptionHeader,
	range?: { start: number; end: number }
): TransformStream<Uint8Array<ArrayBuffer>, Uint8Array<ArrayBuffer>> {
	const plan: PlaintextRangePlan = range
		? planPlaintextRange(header, range.start, range.end)
		: {
				...recordSpan(header, 0, recordCount(header.plaintextSize, header.recordSize)),
				skip: 0,
				length: header.plaintextSize
			};
	const stride = header.recordSize + TAG_SIZE;
	let index = plan.firstRecord;
	// Plaintext offset, relative to plan.plaintextStart, of the next decrypted byte.
	let position = 0;
	const emit: Emit = async (bytes, controller) => {
		const count = Math.ceil(bytes.length / stride);
		const plain = await decryptRecords(key, header, index, bytes, count);
		index += count;
		const from = Math.max(plan.skip - position, 0);
		const to = Math.min(plan.skip + plan.length - position, plain.length);
		position += plain.length;
		if (to > from) controller.enqueue(plain.subarray(from, to));
	};
	return new TransformStream(
		recordSlicer(
			stride,
			plan.ciphertextEnd - plan.ciphertextStart,
			emit,
			(problem, received) =>
				new CryptoFormatError(
					problem === 'too_long' ? 'trailing_data' : 'truncated',
					'ciphertext stream length differs from the records expected',
					{ received, expected: plan.ciphertextEnd - plan.ciphertextStart }
				),
			// Never reached: even the empty file has a 16-byte record to read.
			async () => {}
		)
	);
}
