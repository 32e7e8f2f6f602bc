import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, open, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createCRC32 } from 'hash-wasm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
	CRC32C_POLYNOMIAL,
	JsonFileTransferStore,
	MemoryTransferStore,
	NodeHasher,
	NodePartSender,
	NodeUploadApi,
	RecordCipher,
	SwitchableNetworkStatus,
	openFileSource,
	seededRandom,
	systemClock,
	systemRandom
} from '$lib/adapters/node';
import {
	createDecryptStream,
	createHeader,
	generateFileKey,
	importFileKey,
	type EncryptionHeader
} from '$lib/core/crypto';
import { TransferRunner, type UploadOptions, type UploadEvents } from '$lib/core/upload';
import type {
	ChecksumAlgorithm,
	PartBody,
	PartSender,
	Random,
	SendOptions,
	UploadPorts,
	UploadedFile
} from '$lib/ports';
import { newUser, type ApiClient } from '../helpers/api-client';
import { startFerry, type FerryServer } from '../helpers/ferry-server';
import { createTestBucket, type TestBucket } from '../helpers/s3-bucket';

/**
 * The upload core with the Node adapters against real Ferry servers: the default local-disk
 * provider and a second server storing in S3 (the Ceph gateway). Every upload is downloaded
 * again and compared byte for byte (by SHA-256), after decryption where it was encrypted.
 */

const MiB = 1024 * 1024;
const PART_SIZE = 5 * MiB;
/** Not a whole number of parts or records: the last part and the last record are short. */
const FILE_SIZE = 40 * MiB + 12_345;
const FAULT_FILE_SIZE = 96 * MiB + 777;

let workDir: string;
let source: { path: string; sha256: string };
let faultSource: { path: string; sha256: string };

beforeAll(async () => {
	workDir = await mkdtemp(path.join(os.tmpdir(), 'ferry-engine-node-'));
	source = await writeRandomFile(path.join(workDir, 'source.bin'), FILE_SIZE);
	faultSource = await writeRandomFile(path.join(workDir, 'fault-source.bin'), FAULT_FILE_SIZE);
});

afterAll(async () => {
	if (workDir) await rm(workDir, { recursive: true, force: true });
});

describe('upload engine in Node: local-disk provider', () => {
	const baseUrl = inject('ferryUrl');

	it('uploads a plain file with CRC32C checksums; the download is identical', async () => {
		const user = await signIn(baseUrl);
		const result = await upload(user, { checksumAlgorithm: 'CRC32C' });
		expect(result.partCount).toBeGreaterThanOrEqual(8);
		await verifyDownload(user.client, result.file, {
			sha256: source.sha256,
			partSize: result.partSize,
			algorithm: 'CRC32C'
		});
	});

	it('uploads an encrypted file with SHA256 checksums; the download decrypts to the source', async () => {
		const user = await signIn(baseUrl);
		const encryption = await newEncryption(FILE_SIZE);
		const result = await upload(user, { checksumAlgorithm: 'SHA256', cipher: encryption.cipher });
		expect(result.file.encryption).toEqual({ header: encryption.header });
		await verifyDownload(user.client, result.file, {
			sha256: source.sha256,
			partSize: result.partSize,
			algorithm: 'SHA256',
			decrypt: encryption
		});
	});

	it('authenticates with the session cookie as well as with a token', async () => {
		const user = await signIn(baseUrl);
		const cookie = `ferry_session=${user.client.cookie('ferry_session')}`;
		const api = new NodeUploadApi({ baseUrl, auth: { kind: 'cookie', cookie } });
		const result = await upload(user, { checksumAlgorithm: 'SHA256', ports: { api } });
		await verifyDownload(user.client, result.file, {
			sha256: source.sha256,
			partSize: result.partSize,
			algorithm: 'SHA256'
		});
	});

	it('resumes with a new runner and a reopened store, sending only the missing parts', async () => {
		const user = await signIn(baseUrl);
		const encryption = await newEncryption(FILE_SIZE);
		const storeFile = path.join(workDir, `transfers-${randomUUID()}.json`);
		const transferId = randomUUID();
		const options = { checksumAlgorithm: 'CRC32C' as const, preferredPartSize: PART_SIZE };

		// First run: stopped by pause after three confirmed parts, as a closed laptop would.
		const firstSender = new CountingSender(new NodePartSender());
		const first = new TransferRunner(
			{ transferId, roomId: user.roomId, file: await openFileSource(source.path) },
			ports(user, {
				sender: firstSender,
				store: new JsonFileTransferStore(storeFile),
				cipher: encryption.cipher
			}),
			options
		);
		let confirmed = 0;
		first.on('upload:part-uploaded', () => {
			if (++confirmed === 3) queueMicrotask(() => first.pause());
		});
		await first.start();
		expect(first.state.status).toBe('paused');
		first.dispose();

		// What resume may skip: parts storage holds whose checksum the store kept for that ETag.
		const store = new JsonFileTransferStore(storeFile);
		const saved = await store.load(transferId);
		expect(saved).toBeDefined();
		const status = await user.api.status(saved!.transfer.uploadId);
		const kept = status.parts.filter((remote) =>
			saved!.parts.some(
				(p) =>
					p.partNumber === remote.partNumber &&
					normalizeEtag(p.etag) === normalizeEtag(remote.etag) &&
					p.checksum !== undefined
			)
		);
		const missing = Array.from({ length: status.partCount }, (_, i) => i + 1).filter(
			(n) => !kept.some((p) => p.partNumber === n)
		);
		expect(kept.length).toBeGreaterThanOrEqual(3);
		expect(missing.length).toBeGreaterThan(0);

		// Second run: a fresh runner, file handle, cipher object and store instance.
		const secondSender = new CountingSender(new NodePartSender());
		const second = new TransferRunner(
			{ transferId, roomId: user.roomId, file: await openFileSource(source.path) },
			ports(user, {
				sender: secondSender,
				store,
				cipher: await RecordCipher.create({ key: encryption.key, header: encryption.header })
			}),
			options
		);
		const file = await runToEnd(second);
		expect(secondSender.puts).toBe(missing.length);
		expect([...secondSender.partNumbers].sort((a, b) => a - b)).toEqual(missing);
		expect(await store.load(transferId)).toBeUndefined();
		await verifyDownload(user.client, file, {
			sha256: source.sha256,
			partSize: status.partSize,
			algorithm: 'CRC32C',
			decrypt: encryption
		});
	});

	it('completes and verifies while 20 % of part attempts fail (reset, cut body, lost answer, 500, 503)', async () => {
		await uploadThroughFaults(await signIn(baseUrl), 15);
	});
});

describe('upload engine in Node: S3 provider (Ceph RADOS Gateway)', () => {
	let bucket: TestBucket | undefined;
	let server: FerryServer | undefined;
	let setupError: unknown;

	// A missing gateway fails every test here with the reason, rather than skipping them.
	beforeAll(async () => {
		try {
			bucket = await createTestBucket('ferry-engine-node');
			server = await startFerry(bucket.ferryEnv);
		} catch (error) {
			setupError = error;
		}
	});

	afterAll(async () => {
		await server?.stop();
		await bucket?.cleanup();
	});

	const baseUrl = () => {
		if (!server) throw setupError ?? new Error('the S3-backed Ferry server did not start');
		return server.url;
	};

	it('uploads a plain file with SHA256 checksums; the download is identical', async () => {
		const user = await signIn(baseUrl());
		const result = await upload(user, { checksumAlgorithm: 'SHA256' });
		expect(result.partCount).toBeGreaterThanOrEqual(8);
		await verifyDownload(user.client, result.file, {
			sha256: source.sha256,
			partSize: result.partSize,
			algorithm: 'SHA256'
		});
	});

	it('uploads an encrypted file with CRC32C checksums; the download decrypts to the source', async () => {
		const user = await signIn(baseUrl());
		const encryption = await newEncryption(FILE_SIZE);
		const result = await upload(user, { checksumAlgorithm: 'CRC32C', cipher: encryption.cipher });
		await verifyDownload(user.client, result.file, {
			sha256: source.sha256,
			partSize: result.partSize,
			algorithm: 'CRC32C',
			decrypt: encryption
		});
	});

	it('completes and verifies while 20 % of part attempts fail (reset, cut body, lost answer, 500, 503)', async () => {
		await uploadThroughFaults(await signIn(baseUrl()), 16);
	});
});

// ---- helpers ------------------------------------------------------------------------------

interface User {
	client: ApiClient;
	api: NodeUploadApi;
	roomId: string;
}

/** A new account with an API token (what a CLI would use) and a room to upload into. */
async function signIn(baseUrl: string): Promise<User> {
	const { client } = await newUser(baseUrl, 'Engine Node');
	const token = await client.json<{ token: string }>('POST', '/api/tokens', {
		name: 'engine-node'
	});
	expect(token.status).toBe(201);
	const room = await client.json<{ id: string }>('POST', '/api/rooms', { name: 'Engine' });
	expect(room.status).toBe(201);
	const api = new NodeUploadApi({ baseUrl, auth: { kind: 'bearer', token: token.body.token } });
	return { client, api, roomId: room.body.id };
}

function ports(user: User, overrides: Partial<UploadPorts> = {}): UploadPorts {
	return {
		api: user.api,
		sender: new NodePartSender(),
		store: new MemoryTransferStore(),
		clock: systemClock,
		network: new SwitchableNetworkStatus(),
		random: systemRandom,
		hasher: new NodeHasher(),
		...overrides
	};
}

async function runToEnd(runner: TransferRunner): Promise<UploadedFile> {
	const errors: UploadEvents['upload:error'][] = [];
	runner.on('upload:error', (e) => errors.push(e));
	await runner.start();
	const state = runner.state;
	if (state.status !== 'done') {
		throw new Error(`transfer ended ${state.status}: ${JSON.stringify({ state, errors })}`);
	}
	return state.file;
}

async function upload(
	user: User,
	options: {
		checksumAlgorithm: ChecksumAlgorithm;
		cipher?: RecordCipher;
		ports?: Partial<UploadPorts>;
	}
) {
	const file = await openFileSource(source.path, { type: 'application/octet-stream' });
	const runner = new TransferRunner(
		{ transferId: randomUUID(), roomId: user.roomId, file },
		ports(user, { ...(options.cipher && { cipher: options.cipher }), ...options.ports }),
		{ checksumAlgorithm: options.checksumAlgorithm, preferredPartSize: PART_SIZE }
	);
	const uploaded = await runToEnd(runner);
	const state = runner.state;
	if (state.status !== 'done') throw new Error('unreachable');
	return { file: uploaded, partSize: state.session.partSize, partCount: state.session.partCount };
}

async function newEncryption(plaintextSize: number) {
	const key = generateFileKey();
	const header = createHeader({ plaintextSize });
	return { key, header, cipher: await RecordCipher.create({ key, header }) };
}

/** Random bytes on disk, written in 4 MiB pieces; returns the file's SHA-256 (base64). */
async function writeRandomFile(filePath: string, size: number) {
	const hash = createHash('sha256');
	const handle = await open(filePath, 'w');
	try {
		for (let written = 0; written < size;) {
			const chunk = randomBytes(Math.min(4 * MiB, size - written));
			hash.update(chunk);
			await handle.write(chunk);
			written += chunk.length;
		}
	} finally {
		await handle.close();
	}
	return { path: filePath, sha256: hash.digest('base64') };
}

/** Digests of each stored part as the bytes stream past, cut at `partSize`. */
class PartDigests {
	readonly digests: Uint8Array[] = [];
	#inPart = 0;
	#current: { update(b: Uint8Array): void; digest(): Uint8Array } | null = null;

	constructor(
		readonly partSize: number,
		readonly newHash: () => Promise<{ update(b: Uint8Array): void; digest(): Uint8Array }>
	) {}

	async update(bytes: Uint8Array): Promise<void> {
		let rest = bytes;
		while (rest.length > 0) {
			this.#current ??= await this.newHash();
			const take = Math.min(this.partSize - this.#inPart, rest.length);
			this.#current.update(rest.subarray(0, take));
			this.#inPart += take;
			rest = rest.subarray(take);
			if (this.#inPart === this.partSize) this.#finishPart();
		}
	}

	finish(): Uint8Array[] {
		if (this.#current) this.#finishPart();
		return this.digests;
	}

	#finishPart(): void {
		this.digests.push(this.#current!.digest());
		this.#current = null;
		this.#inPart = 0;
	}
}

async function newDigest(algorithm: ChecksumAlgorithm) {
	if (algorithm === 'SHA256') {
		const h = createHash('sha256');
		return {
			update: (b: Uint8Array) => void h.update(b),
			digest: () => new Uint8Array(h.digest())
		};
	}
	const h = await createCRC32(CRC32C_POLYNOMIAL);
	h.init();
	return { update: (b: Uint8Array) => void h.update(b), digest: () => h.digest('binary') };
}

/**
 * Downloads the stored object through GET /api/files/{id}/download and checks: its size, the
 * composite checksum Ferry recorded (recomputed here from the stored bytes), and the SHA-256
 * of the plaintext (after decrypting with the test's own key where the file is encrypted).
 */
async function verifyDownload(
	client: ApiClient,
	file: UploadedFile,
	expected: {
		sha256: string;
		partSize: number;
		algorithm: ChecksumAlgorithm;
		decrypt?: { key: Uint8Array<ArrayBuffer>; header: EncryptionHeader };
	}
): Promise<void> {
	const link = await client.json<{ url: string; size: number }>(
		'GET',
		`/api/files/${file.id}/download`
	);
	expect(link.status).toBe(200);
	const response = await fetch(link.body.url);
	expect(response.status).toBe(200);
	const plain = createHash('sha256');
	const parts = new PartDigests(expected.partSize, () => newDigest(expected.algorithm));
	let stored = 0;
	let decrypt: {
		writer: WritableStreamDefaultWriter<Uint8Array<ArrayBuffer>>;
		done: Promise<void>;
	} | null = null;
	if (expected.decrypt) {
		const key = await importFileKey(expected.decrypt.key);
		const stream = createDecryptStream(key, expected.decrypt.header);
		const done = (async () => {
			for await (const chunk of iterate(stream.readable)) plain.update(chunk);
		})();
		decrypt = { writer: stream.writable.getWriter(), done };
	}
	for await (const chunk of iterate(response.body!)) {
		stored += chunk.length;
		await parts.update(chunk);
		if (decrypt) await decrypt.writer.write(chunk);
		else plain.update(chunk);
	}
	if (decrypt) {
		await decrypt.writer.close();
		await decrypt.done;
	}
	expect(stored).toBe(link.body.size);
	expect(stored).toBe(file.size);
	expect(plain.digest('base64')).toBe(expected.sha256);
	const composite = await newDigest(expected.algorithm);
	for (const digest of parts.finish()) composite.update(digest);
	expect(file.checksum).toEqual({
		algorithm: expected.algorithm,
		value: Buffer.from(composite.digest()).toString('base64')
	});
}

/** Node's ReadableStream is async-iterable; the DOM typings in use here do not say so. */
function iterate<T>(stream: ReadableStream<T>): AsyncIterable<T> {
	return stream as unknown as AsyncIterable<T>;
}

/** S3 quotes ETags; the comparison ignores quotes and a weak prefix. */
function normalizeEtag(etag: string): string {
	return etag.replace(/^W\//, '').replace(/"/g, '');
}

/** Local-disk URLs carry `part`, S3 URLs `partNumber`. */
function partNumberOf(url: string): number {
	const q = new URL(url).searchParams;
	return Number(q.get('partNumber') ?? q.get('part'));
}

/** Counts part PUTs (attempts) and which parts they were for. */
class CountingSender implements PartSender {
	puts = 0;
	readonly partNumbers = new Set<number>();

	constructor(readonly inner: PartSender) {}

	send(
		url: string,
		method: 'PUT',
		headers: Readonly<Record<string, string>>,
		body: PartBody,
		options: SendOptions
	): Promise<{ etag: string }> {
		this.puts++;
		this.partNumbers.add(partNumberOf(url));
		return this.inner.send(url, method, headers, body, options);
	}
}

type FaultKind = 'reset' | 'cut-body' | 'lost-answer' | 'http-500' | 'http-503';
const FAULT_KINDS: readonly FaultKind[] = [
	'reset',
	'cut-body',
	'lost-answer',
	'http-500',
	'http-503'
];

/**
 * Fails a seeded-random share of attempts, each kind in turn. The faults happen inside the
 * real NodePartSender (through the fetch it is given), so its error classification is what
 * the core sees: a reset before sending, a body that breaks off halfway, an answer lost after
 * storage kept the part, and storage's own 500 and 503 SlowDown.
 */
class FaultyPartSender implements PartSender {
	readonly faults: { kind: FaultKind; partNumber: number }[] = [];
	attempts = 0;
	readonly #healthy = new NodePartSender();

	constructor(
		readonly random: Random,
		readonly rate: number
	) {}

	send(
		url: string,
		method: 'PUT',
		headers: Readonly<Record<string, string>>,
		body: PartBody,
		options: SendOptions
	): Promise<{ etag: string }> {
		this.attempts++;
		if (this.random.next() >= this.rate)
			return this.#healthy.send(url, method, headers, body, options);
		const kind = FAULT_KINDS[this.faults.length % FAULT_KINDS.length]!;
		this.faults.push({ kind, partNumber: partNumberOf(url) });
		const sender = new NodePartSender({ fetch: faultyFetch(kind) });
		return sender.send(url, method, headers, body, options);
	}
}

function faultyFetch(kind: FaultKind): typeof fetch {
	return async (input, init) => {
		switch (kind) {
			case 'reset': {
				const cause = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
				throw new TypeError('fetch failed', { cause });
			}
			case 'cut-body': {
				const body = init?.body as ReadableStream<Uint8Array>;
				const size = Number(new Headers(init?.headers).get('content-length'));
				return fetch(input, { ...init, body: breakAfter(body, Math.floor(size / 2)) });
			}
			case 'lost-answer': {
				const response = await fetch(input, init);
				await response.arrayBuffer();
				throw new TypeError('fetch failed', { cause: new Error('socket hang up') });
			}
			case 'http-500':
				await (init?.body as ReadableStream<Uint8Array>).cancel();
				return new Response(
					'<Error><Code>InternalError</Code><Message>We encountered an internal error.</Message></Error>',
					{ status: 500, headers: { 'content-type': 'application/xml' } }
				);
			case 'http-503':
				await (init?.body as ReadableStream<Uint8Array>).cancel();
				return new Response(
					'<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>',
					{ status: 503, headers: { 'content-type': 'application/xml', 'retry-after': '0' } }
				);
		}
	};
}

/** Passes `limit` bytes on, then errors: the connection drops in the middle of the body. */
function breakAfter(source: ReadableStream<Uint8Array>, limit: number): ReadableStream<Uint8Array> {
	const reader = source.getReader();
	let passed = 0;
	return new ReadableStream<Uint8Array>({
		async pull(controller) {
			const { done, value } = await reader.read();
			if (done) return controller.close();
			if (passed + value.length > limit) {
				await reader.cancel();
				controller.error(new Error('injected: connection dropped mid-body'));
				return;
			}
			passed += value.length;
			controller.enqueue(value);
		}
	});
}

/**
 * The faults are a pure function of the seed: one draw per attempt, so 20 parts need exactly
 * 20 healthy draws whatever the order of the attempts. Seeds 15 and 16 give 5 faults in 25
 * attempts (20 %), one of each kind.
 */
async function uploadThroughFaults(user: User, seed: number): Promise<void> {
	const sender = new FaultyPartSender(seededRandom(seed), 0.2);
	const options: Partial<UploadOptions> = {
		checksumAlgorithm: 'SHA256',
		preferredPartSize: PART_SIZE,
		// Short delays keep the test fast; the policy's shape is what is under test, not its timing.
		retry: { delaysMs: [20, 50, 100], maxAttempts: 10, jitter: 0.2, maxRetryAfterMs: 1_000 },
		breaker: { failureThreshold: 50, cooldownMs: 200, probePollMs: 20 }
	};
	const runner = new TransferRunner(
		{ transferId: randomUUID(), roomId: user.roomId, file: await openFileSource(faultSource.path) },
		ports(user, { sender, random: seededRandom(seed + 1) }),
		options
	);
	const errors: UploadEvents['upload:error'][] = [];
	runner.on('upload:error', (e) => errors.push(e));
	const file = await runToEnd(runner);
	const state = runner.state;
	if (state.status !== 'done') throw new Error('unreachable');

	expect(sender.faults.length).toBeGreaterThanOrEqual(FAULT_KINDS.length);
	expect(sender.faults.length / sender.attempts).toBeGreaterThan(0.1);
	expect(sender.faults.length / sender.attempts).toBeLessThanOrEqual(0.2);
	// Every injected fault was seen, classified as retryable, and retried; nothing else failed.
	expect(errors.length).toBe(sender.faults.length);
	expect(errors.every((e) => e.willRetry)).toBe(true);
	expect(new Set(errors.map((e) => e.error.code))).toEqual(
		new Set(['network', 'http_5xx', 'rate_limited'])
	);
	expect(sender.attempts).toBe(state.session.partCount + sender.faults.length);
	await verifyDownload(user.client, file, {
		sha256: faultSource.sha256,
		partSize: state.session.partSize,
		algorithm: 'SHA256'
	});
}
