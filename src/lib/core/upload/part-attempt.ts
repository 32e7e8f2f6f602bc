import { TransferError, toTransferError } from '../errors';
import type {
	ChecksumAlgorithm,
	Cipher,
	Clock,
	FileSource,
	Hasher,
	PartBody,
	PartSender,
	PartTransform
} from '../../ports';
import { plainPartRange, type PartLayout } from './plan';
import type { PartSigner } from './signer';
import type { PartRecord } from './types';

export interface PartIO {
	readonly file: FileSource;
	readonly layout: PartLayout;
	readonly sender: PartSender;
	readonly clock: Clock;
	readonly signer: PartSigner;
	readonly algorithm: ChecksumAlgorithm | undefined;
	readonly hasher: Hasher | undefined;
	readonly cipher: Cipher | undefined;
	readonly transform: PartTransform | undefined;
	readonly stallTimeoutMs: number;
	onProgress(partNumber: number, loaded: number): void;
	/** +1 when a part's bytes enter memory, -1 when they are released (backpressure accounting). */
	onBuffer(delta: 1 | -1): void;
}

export interface SentPart {
	readonly etag: string;
	readonly checksum: string | undefined;
	readonly latencyMs: number;
}

/** A part ready to PUT: its body and checksum. `release` must be called once it is no longer needed. */
export interface PreparedPart {
	readonly body: PartBody;
	readonly checksum: string | undefined;
	release(): void;
}

/** `fn` on the first call only: a prepared part is released once, whoever releases it. */
function once(fn: () => void): () => void {
	let done = false;
	return () => {
		if (!done) fn();
		done = true;
	};
}

/** True when preparing a part puts its bytes into this thread's memory. */
export function buffersParts(io: Pick<PartIO, 'cipher' | 'algorithm' | 'transform'>): boolean {
	return io.transform === undefined && (io.cipher !== undefined || io.algorithm !== undefined);
}

/**
 * read -> encrypt -> hash, or the PartTransform port when there is one (it streams the slice
 * elsewhere and hands back a streamable body). Bytes are read only when something must look at
 * them; otherwise the body is a lazy slice. Runs ahead of the PUTs (see part-loop.ts), so the
 * next parts are ready when a PUT slot frees up.
 */
export async function preparePart(
	io: PartIO,
	part: PartRecord,
	signal: AbortSignal
): Promise<PreparedPart> {
	signal.throwIfAborted();
	const n = part.partNumber;
	const { start, end } = plainPartRange(io.layout, n);
	const isLast = n === io.layout.partCount;
	const checkSize = (size: number): void => {
		if (size !== part.size) {
			throw new TransferError('file_changed', `part ${n} is ${size} bytes`, { partNumber: n });
		}
	};
	if (io.transform) {
		const plain = io.file.slice(start, end);
		const job = { partIndex: n - 1, plain, isLast, algorithm: io.algorithm };
		const out = await io.transform.transform(job, signal);
		const release = once(() => out.release?.());
		try {
			checkSize(out.size);
		} catch (error) {
			release();
			throw error;
		}
		return { body: out.body, checksum: out.checksum, release };
	}
	if (!buffersParts(io))
		return { body: io.file.slice(start, end), checksum: undefined, release: () => {} };
	io.onBuffer(1);
	const release = once(() => io.onBuffer(-1));
	try {
		let bytes = await io.file.read(start, end);
		signal.throwIfAborted();
		if (io.cipher) bytes = await io.cipher.encryptPart(n - 1, bytes, isLast);
		checkSize(bytes.length);
		let checksum: string | undefined;
		if (io.algorithm && io.hasher) checksum = await io.hasher.hash(bytes, io.algorithm);
		return { body: bytes, checksum, release };
	} catch (error) {
		release();
		throw error;
	}
}

/** sign (pinning the checksum) -> PUT of a prepared part. Releases it when done. */
export async function putPart(
	io: PartIO,
	part: PartRecord,
	prepared: PreparedPart,
	signal: AbortSignal
): Promise<SentPart> {
	try {
		signal.throwIfAborted();
		const n = part.partNumber;
		const { checksum } = prepared;
		const url = await io.signer.get(n, checksum);
		part.state = 'signed';
		part.url = url.signed.url;
		part.urlExpiresAt = url.expiresAtMs;
		const startedAt = io.clock.now();
		part.state = 'uploading';
		const { etag } = await sendWatched(io, n, url.signed, prepared.body, signal);
		if (etag === '') throw new TransferError('server_rejected', 'storage returned no ETag');
		return { etag, checksum, latencyMs: io.clock.now() - startedAt };
	} finally {
		prepared.release();
	}
}

/** One attempt at one part: prepare, then sign and PUT. */
export async function sendPart(
	io: PartIO,
	part: PartRecord,
	signal: AbortSignal
): Promise<SentPart> {
	return putPart(io, part, await preparePart(io, part, signal), signal);
}

/** PUT with a stall watchdog: no progress for `stallTimeoutMs` aborts the attempt. */
async function sendWatched(
	io: PartIO,
	partNumber: number,
	signed: { url: string; method: 'PUT'; headers: Record<string, string> },
	body: PartBody,
	signal: AbortSignal
): Promise<{ etag: string }> {
	const attempt = new AbortController();
	const forward = (): void => attempt.abort(signal.reason);
	signal.addEventListener('abort', forward, { once: true });
	const watchdog = new AbortController();
	let lastProgressAt = io.clock.now();
	let stalled = false;
	const watch = async (): Promise<void> => {
		for (;;) {
			const wait = lastProgressAt + io.stallTimeoutMs - io.clock.now();
			if (wait <= 0) {
				stalled = true;
				attempt.abort();
				return;
			}
			await io.clock.sleep(wait, watchdog.signal);
		}
	};
	watch().catch(() => {});
	try {
		return await io.sender.send(signed.url, signed.method, signed.headers, body, {
			signal: attempt.signal,
			onProgress: (loaded) => {
				lastProgressAt = io.clock.now();
				io.onProgress(partNumber, loaded);
			}
		});
	} catch (error) {
		if (signal.aborted) throw error;
		if (stalled) {
			throw new TransferError('stalled', `part ${partNumber} made no progress`, {
				partNumber,
				cause: error
			});
		}
		const err = toTransferError(error, 'network');
		// S3 says only "403 AccessDenied"; if our URL is past its expiry, that is the reason.
		if (err.httpStatus === 403 && io.signer.isExpired(partNumber)) {
			throw new TransferError('url_expired', 'presigned URL expired', {
				httpStatus: 403,
				partNumber,
				cause: error
			});
		}
		throw err;
	} finally {
		watchdog.abort();
		signal.removeEventListener('abort', forward);
	}
}
