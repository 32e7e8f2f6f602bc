/**
 * The hashing/encryption pool of the upload worker: part-worker.ts instances, one job each at a
 * time, sized to the machine. Jobs queue here holding only a Blob reference, so the bytes in
 * memory are at most one part per pool worker (plus the sealed Blobs waiting for their PUT,
 * which live in the browser's blob store, not in a JS heap).
 */
import * as Comlink from 'comlink';
import { TransferError } from '$lib/core/errors';
import type { PartBody, PartTransform } from '$lib/ports';
import type { RecordCipher } from '$lib/adapters/crypto/cipher';
import type { PartJob, PartResult, PartWorkerApi } from './part-protocol';
import { claimSpool, dropSpooled } from './part-spool';

interface Slot {
	readonly api: Comlink.Remote<PartWorkerApi>;
	busy: boolean;
}

interface Queued {
	readonly job: PartJob;
	readonly signal: AbortSignal;
	resolve(result: PartResult): void;
	reject(error: unknown): void;
}

/**
 * On two cores two workers: the upload worker itself does little CPU work once parts are
 * prepared here (it only schedules XHRs), and WebCrypto runs AES-GCM on its own threads.
 */
export function poolSize(): number {
	const cores = typeof navigator === 'undefined' ? 2 : navigator.hardwareConcurrency || 2;
	return Math.max(1, Math.min(4, cores));
}

export class PartPool {
	readonly #size: number;
	readonly #slots: Slot[] = [];
	readonly #queue: Queued[] = [];

	#spool: Promise<string | null> | null = null;

	constructor(size = poolSize()) {
		this.#size = size;
	}

	/** This worker's spool for sealed parts, claimed on first use (part-spool.ts). */
	spool(): Promise<string | null> {
		this.#spool ??= claimSpool();
		return this.#spool;
	}

	run(job: PartJob, signal: AbortSignal): Promise<PartResult> {
		return new Promise<PartResult>((resolve, reject) => {
			if (signal.aborted) return reject(signal.reason);
			this.#queue.push({ job, signal, resolve, reject });
			this.#pump();
		});
	}

	#pump(): void {
		for (;;) {
			const queued = this.#queue[0];
			if (!queued) return;
			if (queued.signal.aborted) {
				this.#queue.shift();
				queued.reject(queued.signal.reason);
				continue;
			}
			const slot = this.#freeSlot();
			if (!slot) return;
			this.#queue.shift();
			slot.busy = true;
			slot.api
				.prepare(queued.job)
				.then(queued.resolve, queued.reject)
				.finally(() => {
					slot.busy = false;
					this.#pump();
				});
		}
	}

	#freeSlot(): Slot | undefined {
		const free = this.#slots.find((s) => !s.busy);
		if (free || this.#slots.length >= this.#size) return free;
		// Started on first use, so a page that never uploads never spawns them.
		const worker = new Worker(new URL('./part-worker.ts', import.meta.url), {
			type: 'module',
			name: `ferry-part-${this.#slots.length + 1}`
		});
		const slot: Slot = { api: Comlink.wrap<PartWorkerApi>(worker), busy: false };
		this.#slots.push(slot);
		return slot;
	}
}

function toTransferFailure(error: unknown): unknown {
	const name = (error as { name?: unknown } | null)?.name;
	if (name === 'NotReadableError' || name === 'NotFoundError') {
		const message =
			name === 'NotFoundError' ? 'the file is no longer there' : 'the file can no longer be read';
		return new TransferError('file_unreadable', message, { cause: error });
	}
	return error;
}

/** The PartTransform port over the pool, for one transfer (its cipher, if encrypted). */
export class PoolPartTransform implements PartTransform {
	readonly #pool: PartPool;
	readonly #encryption: PartJob['encryption'];

	constructor(pool: PartPool, cipher: RecordCipher | undefined) {
		this.#pool = pool;
		if (cipher) this.#encryption = { key: cipher.key, header: cipher.header };
	}

	async transform(
		job: Parameters<PartTransform['transform']>[0],
		signal: AbortSignal
	): Promise<{ body: PartBody; size: number; checksum: string | undefined }> {
		if (!(job.plain instanceof Blob))
			throw new TransferError('unknown', 'a pool part must be a Blob slice');
		const { partIndex, isLast, algorithm, plain } = job;
		const encryption = this.#encryption;
		const spool = encryption ? await this.#pool.spool() : null;
		let result: PartResult;
		try {
			result = await this.#pool.run(
				{
					plain,
					partIndex,
					isLast,
					algorithm,
					...(encryption && { encryption }),
					...(spool && { spool })
				},
				signal
			);
		} catch (error) {
			if (signal.aborted) throw signal.reason;
			throw toTransferFailure(error);
		}
		const { body } = result;
		return {
			body: body ?? plain,
			size: result.size,
			checksum: result.checksum,
			// Only the spool makes Files (a fallback Blob is not one).
			...(body instanceof File && spool && { release: () => dropSpooled(spool, body) })
		};
	}
}
