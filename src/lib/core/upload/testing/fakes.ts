/**
 * Test doubles for the upload ports. Test-only: never imported by production code.
 * `flush` uses setImmediate on purpose: tests run in Node, the core never sees it.
 */
import { createHash } from 'node:crypto';
import { encodeBase64 } from '@oslojs/encoding';
import { TransferError } from '../../errors';
import type {
	ChecksumAlgorithm,
	Clock,
	CompleteUploadInput,
	CreateUploadInput,
	CreatedUpload,
	FileSource,
	Hasher,
	NetworkStatus,
	OpaqueBody,
	Random,
	SignPartsInput,
	SignedPartUrl,
	StoredPart,
	TransferRecord,
	TransferStore,
	UploadApi,
	UploadStatus,
	UploadedFile
} from '../../../ports';
import { expectedPartCount } from '../plan';

export async function flush(): Promise<void> {
	for (let i = 0; i < 3; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

interface Timer {
	at: number;
	seq: number;
	resolve: () => void;
}

export class FakeClock implements Clock {
	#now: number;
	#seq = 0;
	#timers: Timer[] = [];

	constructor(start = Date.parse('2030-01-01T00:00:00Z')) {
		this.#now = start;
	}

	now(): number {
		return this.#now;
	}

	get pendingTimers(): number {
		return this.#timers.length;
	}

	sleep(ms: number, signal?: AbortSignal): Promise<void> {
		return new Promise<void>((resolve, reject) => {
			if (signal?.aborted) return reject(signal.reason);
			const timer: Timer = { at: this.#now + Math.max(0, ms), seq: this.#seq++, resolve };
			const onAbort = (): void => {
				this.#timers = this.#timers.filter((t) => t !== timer);
				reject(signal?.reason);
			};
			timer.resolve = () => {
				signal?.removeEventListener('abort', onAbort);
				resolve();
			};
			signal?.addEventListener('abort', onAbort, { once: true });
			this.#timers.push(timer);
		});
	}

	#next(): Timer | undefined {
		return [...this.#timers].sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
	}

	/** Moves time forward, firing due timers in order and letting promises settle between. */
	async advance(ms: number): Promise<void> {
		const target = this.#now + ms;
		await flush();
		for (let timer = this.#next(); timer && timer.at <= target; timer = this.#next()) {
			this.#timers = this.#timers.filter((t) => t !== timer);
			this.#now = Math.max(this.#now, timer.at);
			timer.resolve();
			await flush();
		}
		this.#now = target;
		await flush();
	}

	/** Runs timers until `promise` settles; fails loudly on a deadlock or a runaway loop. */
	async run<T>(promise: Promise<T>, maxMs = 24 * 3600_000): Promise<T> {
		let settled = false;
		promise.then(
			() => (settled = true),
			() => (settled = true)
		);
		const deadline = this.#now + maxMs;
		await flush();
		while (!settled) {
			const timer = this.#next();
			if (!timer) throw new Error('deadlock: promise pending and no timers');
			if (timer.at > deadline) throw new Error('run exceeded maxMs');
			await this.advance(timer.at - this.#now);
		}
		return promise;
	}
}

export class FakeNetwork implements NetworkStatus {
	online = true;
	#listeners = new Set<(online: boolean) => void>();
	isOnline(): boolean {
		return this.online;
	}
	onChange(listener: (online: boolean) => void): () => void {
		this.#listeners.add(listener);
		return () => this.#listeners.delete(listener);
	}
	set(online: boolean): void {
		this.online = online;
		for (const l of this.#listeners) l(online);
	}
}

export class FixedRandom implements Random {
	constructor(public value = 0.5) {}
	next(): number {
		return this.value;
	}
}

export class Sha256Hasher implements Hasher {
	calls = 0;
	async hash(bytes: Uint8Array, algorithm: ChecksumAlgorithm): Promise<string> {
		if (algorithm !== 'SHA256') throw new Error('fake hasher only does SHA256');
		this.calls++;
		return encodeBase64(new Uint8Array(createHash('sha256').update(bytes).digest()));
	}
}

export interface SliceBody extends OpaqueBody {
	readonly start: number;
	readonly end: number;
}

export class FakeFile implements FileSource {
	readonly type = 'application/octet-stream';
	readError: TransferError | null = null;
	reads = 0;
	constructor(
		readonly size: number,
		readonly name = 'movie.mkv',
		readonly lastModified = 1_700_000_000_000
	) {}
	slice(start: number, end: number): SliceBody {
		return { size: end - start, start, end };
	}
	async read(start: number, end: number): Promise<Uint8Array> {
		this.reads++;
		if (this.readError) throw this.readError;
		return Uint8Array.from({ length: end - start }, (_, i) => (start + i) % 251);
	}
}

export class MemoryStore implements TransferStore {
	transfers = new Map<string, TransferRecord>();
	parts = new Map<string, Map<number, StoredPart>>();
	async saveTransfer(record: TransferRecord): Promise<void> {
		this.transfers.set(record.transferId, structuredClone(record));
	}
	async savePart(transferId: string, part: StoredPart): Promise<void> {
		const map = this.parts.get(transferId) ?? new Map<number, StoredPart>();
		map.set(part.partNumber, { ...part });
		this.parts.set(transferId, map);
	}
	async load(transferId: string) {
		const transfer = this.transfers.get(transferId);
		if (!transfer) return undefined;
		return { transfer, parts: [...(this.parts.get(transferId)?.values() ?? [])] };
	}
	async list(): Promise<TransferRecord[]> {
		return [...this.transfers.values()];
	}
	async delete(transferId: string): Promise<void> {
		this.transfers.delete(transferId);
		this.parts.delete(transferId);
	}
}

export interface ServerUpload {
	uploadId: string;
	fileId: string;
	state: UploadStatus['state'];
	size: number;
	partSize: number;
	partCount: number;
	/** What storage holds (filled by the sender, like S3 ListParts). */
	stored: Map<number, { size: number; etag: string }>;
	confirmed: Map<number, { etag: string; size: number; checksum?: string }>;
	file: UploadedFile | null;
}

/** An in-memory server: plans parts, signs URLs with expiry, records parts, completes. */
export class FakeServer implements UploadApi {
	partSize = 10;
	urlTtlMs = 15 * 60_000;
	uploads = new Map<string, ServerUpload>();
	urls = new Map<string, { uploadId: string; partNumber: number; expiresAt: number }>();
	calls = {
		create: [] as CreateUploadInput[],
		status: [] as string[],
		sign: [] as SignPartsInput[],
		partDone: [] as number[],
		complete: [] as CompleteUploadInput[],
		abort: [] as string[]
	};
	/** Errors to throw from the next calls of a method, in order. */
	failures: Partial<Record<keyof FakeServer['calls'], unknown[]>> = {};
	/** Lets a test hold `complete` open. */
	completeGate: Promise<void> | null = null;
	#seq = 0;

	constructor(readonly clock: Clock) {}

	#maybeFail(method: keyof FakeServer['calls']): void {
		const error = this.failures[method]?.shift();
		if (error !== undefined) throw error;
	}

	#get(uploadId: string): ServerUpload {
		const upload = this.uploads.get(uploadId);
		if (!upload) throw new TransferError('upload_gone', 'no such upload', { httpStatus: 404 });
		return upload;
	}

	async create(input: CreateUploadInput): Promise<CreatedUpload> {
		this.calls.create.push(input);
		this.#maybeFail('create');
		const n = ++this.#seq;
		const partSize = input.preferredPartSize ?? this.partSize;
		const upload: ServerUpload = {
			uploadId: `up-${n}`,
			fileId: `file-${n}`,
			state: 'active',
			size: input.size,
			partSize,
			partCount: expectedPartCount(input.size, partSize),
			stored: new Map(),
			confirmed: new Map(),
			file: null
		};
		this.uploads.set(upload.uploadId, upload);
		const expiresAt = new Date(this.clock.now() + 86_400_000).toISOString();
		return { ...this.#plan(upload), expiresAt };
	}

	#plan(u: ServerUpload) {
		return { uploadId: u.uploadId, fileId: u.fileId, partSize: u.partSize, partCount: u.partCount };
	}

	async status(uploadId: string): Promise<UploadStatus> {
		this.calls.status.push(uploadId);
		this.#maybeFail('status');
		const u = this.#get(uploadId);
		const parts = [...u.stored].map(([partNumber, p]) => ({ partNumber, ...p }));
		const expiresAt = new Date(this.clock.now() + 86_400_000).toISOString();
		return { ...this.#plan(u), state: u.state, size: u.size, parts, expiresAt };
	}

	async signParts(uploadId: string, input: SignPartsInput): Promise<{ parts: SignedPartUrl[] }> {
		this.calls.sign.push(structuredClone(input));
		this.#maybeFail('sign');
		if (input.partNumbers.length > 100) throw new TransferError('http_4xx', 'too many parts');
		this.#get(uploadId);
		const expiresAt = this.clock.now() + this.urlTtlMs;
		const parts = input.partNumbers.map((partNumber) => {
			const url = `https://storage.test/${uploadId}/${partNumber}?sig=${++this.#seq}`;
			this.urls.set(url, { uploadId, partNumber, expiresAt });
			const checksum = input.checksums?.[partNumber];
			const headers: Record<string, string> = checksum ? { 'x-amz-checksum-sha256': checksum } : {};
			return {
				partNumber,
				url,
				method: 'PUT' as const,
				headers,
				expiresAt: new Date(expiresAt).toISOString()
			};
		});
		return { parts };
	}

	async partDone(
		uploadId: string,
		partNumber: number,
		input: { etag: string; size: number; checksum?: string }
	): Promise<void> {
		this.calls.partDone.push(partNumber);
		this.#maybeFail('partDone');
		this.#get(uploadId).confirmed.set(partNumber, { ...input });
	}

	async complete(uploadId: string, input: CompleteUploadInput): Promise<{ file: UploadedFile }> {
		this.calls.complete.push(structuredClone(input));
		if (this.completeGate) await this.completeGate;
		this.#maybeFail('complete');
		const u = this.#get(uploadId);
		if (u.state === 'aborted') throw new TransferError('upload_gone', 'aborted');
		if (u.file) return { file: u.file };
		for (const { partNumber, etag } of input.parts) {
			if (u.stored.get(partNumber)?.etag !== etag) {
				throw new TransferError('http_4xx', `InvalidPart ${partNumber}`, { httpStatus: 400 });
			}
		}
		if (input.parts.length !== u.partCount) throw new TransferError('http_4xx', 'missing parts');
		u.state = 'completed';
		u.file = { id: u.fileId, size: u.size };
		return { file: u.file };
	}

	async abort(uploadId: string): Promise<void> {
		this.calls.abort.push(uploadId);
		this.#maybeFail('abort');
		this.#get(uploadId).state = 'aborted';
	}
}
