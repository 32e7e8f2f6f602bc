import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeWebReadableStream } from 'node:stream/web';
import {
	AbortMultipartUploadCommand,
	CreateBucketCommand,
	DeleteBucketCommand,
	DeleteObjectCommand,
	ListMultipartUploadsCommand,
	ListObjectsV2Command,
	PutBucketCorsCommand
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handleLocalStorageNode } from '../../src/lib/server/storage/local-disk-node';
import { LocalDiskProvider } from '../../src/lib/server/storage/local-disk';
import { S3Provider } from '../../src/lib/server/storage/s3';
import { ferryCorsRule } from '../../src/lib/server/storage/s3-cors';
import type {
	PartChecksum,
	SignedPartUrl,
	StorageProvider
} from '../../src/lib/server/storage/types';

/**
 * One contract, every provider: the local disk always, S3 on a real Ceph
 * RADOS Gateway. Parts travel over real HTTP with the signed URLs, exactly
 * as a browser would send them.
 */

const MiB = 1024 ** 2;
const PAGE_ORIGIN = 'http://page.example';

interface Harness {
	provider: StorageProvider;
	/** A second instance on the same storage: the "client was lost" case. */
	fresh(): StorageProvider;
	origin?: string;
	cleanup(): Promise<void>;
}

function describeStorageContract(name: string, createHarness: () => Promise<Harness>) {
	describe(`storage contract: ${name}`, () => {
		let h: Harness;
		let p: StorageProvider;
		let n = 0;
		const key = () => `contract/${Date.now().toString(36)}-${n++}/file name ü.bin`;

		beforeAll(async () => {
			h = await createHarness();
			p = h.provider;
		});
		afterAll(async () => h?.cleanup());

		const checksumFor = (body: Buffer): PartChecksum | undefined => {
			const algorithm = p.capabilities.perPartChecksums[0];
			if (!algorithm) return undefined;
			if (algorithm === 'CRC32C') return undefined; // covered by the local unit test vector
			return {
				algorithm,
				value: createHash(algorithm === 'MD5' ? 'md5' : 'sha256')
					.update(body)
					.digest('base64')
			};
		};
		const sign = async (
			k: string,
			uploadId: string,
			partNumber: number,
			body: Buffer,
			expiresInSeconds?: number
		) => {
			const [signed] = await p.signPartUrls({
				key: k,
				uploadId,
				parts: [{ partNumber, size: body.length, checksum: checksumFor(body) }],
				expiresInSeconds,
				origin: h.origin
			});
			return signed as SignedPartUrl;
		};
		const putPart = async (k: string, uploadId: string, partNumber: number, body: Buffer) => {
			const signed = await sign(k, uploadId, partNumber, body);
			const res = await put(signed.url, { ...signed.headers, origin: PAGE_ORIGIN }, body);
			expect(res.status, res.text).toBe(200);
			expect(res.headers['access-control-expose-headers'] ?? '').toMatch(/etag/i);
			return { partNumber, etag: String(res.headers.etag) };
		};
		const upload = async (sizes: number[]) => {
			const k = key();
			const source = randomBytes(sizes.reduce((a, b) => a + b, 0));
			const { uploadId } = await p.createMultipartUpload({
				key: k,
				contentType: 'application/x-ferry-test'
			});
			let offset = 0;
			const parts = [];
			for (const [i, size] of sizes.entries()) {
				parts.push(await putPart(k, uploadId, i + 1, source.subarray(offset, offset + size)));
				offset += size;
			}
			return { k, uploadId, source, parts };
		};
		const codeOf = (promise: Promise<unknown>) =>
			promise.then(
				() => 'resolved',
				(e: { code?: string }) => e.code
			);

		it('uploads three parts, completes, heads and downloads the same bytes', async () => {
			const { k, uploadId, source, parts } = await upload([5 * MiB, 5 * MiB, 123_457]);
			const done = await p.completeMultipartUpload({ key: k, uploadId, parts });
			expect(done.size).toBe(source.length);
			expect(await p.headObject(k)).toMatchObject({
				size: source.length,
				contentType: 'application/x-ferry-test'
			});
			const url = await p.signGetUrl({ key: k, fileName: 'report ü.bin', origin: h.origin });
			const res = await fetch(url);
			expect(res.status).toBe(200);
			expect(res.headers.get('content-disposition')).toContain(
				"filename*=UTF-8''report%20%C3%BC.bin"
			);
			expect(Buffer.from(await res.arrayBuffer()).equals(source)).toBe(true);
		});

		it('resumes through ListParts after the client is lost', async () => {
			const k = key();
			const source = randomBytes(10 * MiB + 1000);
			const { uploadId } = await p.createMultipartUpload({
				key: k,
				contentType: 'application/octet-stream'
			});
			await putPart(k, uploadId, 1, source.subarray(0, 5 * MiB));
			await putPart(k, uploadId, 2, source.subarray(5 * MiB, 10 * MiB));
			p = h.fresh();
			const listed = await p.listParts({ key: k, uploadId });
			expect(listed.map((part) => [part.partNumber, part.size])).toEqual([
				[1, 5 * MiB],
				[2, 5 * MiB]
			]);
			const third = await putPart(k, uploadId, 3, source.subarray(10 * MiB));
			const parts = [...listed.map(({ partNumber, etag }) => ({ partNumber, etag })), third];
			expect((await p.completeMultipartUpload({ key: k, uploadId, parts })).size).toBe(
				source.length
			);
			p = h.provider;
		});

		it('refuses to complete with a wrong ETag or a missing part', async () => {
			const { k, uploadId, parts } = await upload([5 * MiB, 1000]);
			const wrong = parts.map((part, i) =>
				i === 0 ? { ...part, etag: '"0123456789abcdef0123456789abcdef"' } : part
			);
			expect(await codeOf(p.completeMultipartUpload({ key: k, uploadId, parts: wrong }))).toBe(
				'invalid_part'
			);
			const missing = [...parts, { partNumber: 3, etag: parts[1]?.etag ?? '' }];
			expect(await codeOf(p.completeMultipartUpload({ key: k, uploadId, parts: missing }))).toBe(
				'invalid_part'
			);
			await p.abortMultipartUpload({ key: k, uploadId });
		});

		it('refuses a middle part below the minimum size', async () => {
			expect(p.capabilities.minPartSize).toBe(5 * MiB);
			const { k, uploadId, parts } = await upload([1 * MiB, 1 * MiB]);
			expect(await codeOf(p.completeMultipartUpload({ key: k, uploadId, parts }))).toBe(
				'entity_too_small'
			);
			await p.abortMultipartUpload({ key: k, uploadId });
		});

		it('refuses expired and tampered URLs with 403', async () => {
			const k = key();
			const body = randomBytes(1000);
			const { uploadId } = await p.createMultipartUpload({
				key: k,
				contentType: 'application/octet-stream'
			});
			const expiring = await sign(k, uploadId, 1, body, 1);
			await new Promise((resolve) => setTimeout(resolve, 2_200));
			const expired = await put(expiring.url, expiring.headers, body);
			expect(expired.status).toBe(403);
			if (p.kind === 'local')
				expect(JSON.parse(expired.text)).toMatchObject({ error: { code: 'url_expired' } });
			const good = await sign(k, uploadId, 1, body);
			const url = new URL(good.url);
			const sigName = url.searchParams.has('sig') ? 'sig' : 'X-Amz-Signature';
			const sig = url.searchParams.get(sigName) ?? '';
			url.searchParams.set(sigName, (sig.startsWith('0') ? '1' : '0') + sig.slice(1));
			const tampered = await put(url.toString(), good.headers, body);
			expect(tampered.status).toBe(403);
			expect(await p.listParts({ key: k, uploadId })).toEqual([]);
			await p.abortMultipartUpload({ key: k, uploadId });
		});

		it('has storage refuse a corrupted part when it verifies checksums', async () => {
			const k = key();
			const body = randomBytes(64 * 1024);
			const { uploadId } = await p.createMultipartUpload({
				key: k,
				contentType: 'application/octet-stream'
			});
			const signed = await sign(k, uploadId, 1, body);
			const corrupted = Buffer.from(body);
			corrupted[100] = (corrupted[100] ?? 0) ^ 0xff;
			const res = await put(signed.url, signed.headers, corrupted);
			if (p.capabilities.perPartChecksums.length > 0) {
				expect(Object.keys(signed.headers).length + (p.kind === 'local' ? 1 : 0)).toBeGreaterThan(
					0
				);
				expect(res.status, res.text).toBe(400);
				expect(await p.listParts({ key: k, uploadId })).toEqual([]);
			} else {
				expect(res.status).toBe(200);
			}
			await p.abortMultipartUpload({ key: k, uploadId });
		});

		it('abort removes the parts and the upload', async () => {
			const { k, uploadId } = await upload([1000]);
			await p.abortMultipartUpload({ key: k, uploadId });
			expect(await codeOf(p.listParts({ key: k, uploadId }))).toBe('no_such_upload');
			expect(await p.headObject(k)).toBeNull();
		});

		it('serves Range reads across part boundaries', async () => {
			const { k, uploadId, source, parts } = await upload([5 * MiB, 5 * MiB, 10]);
			await p.completeMultipartUpload({ key: k, uploadId, parts });
			const url = await p.signGetUrl({ key: k, origin: h.origin });
			const range = async (header: string, start: number, end: number) => {
				const res = await fetch(url, { headers: { range: header } });
				expect(res.status).toBe(206);
				expect(res.headers.get('content-range')).toBe(`bytes ${start}-${end}/${source.length}`);
				expect(Buffer.from(await res.arrayBuffer()).equals(source.subarray(start, end + 1))).toBe(
					true
				);
			};
			await range('bytes=0-0', 0, 0);
			await range(`bytes=${5 * MiB - 3}-${10 * MiB + 4}`, 5 * MiB - 3, 10 * MiB + 4);
			await range('bytes=-7', source.length - 7, source.length - 1);
			if (p.kind === 'local') {
				// S3 signs the method, so only the local URL also answers HEAD.
				const head = await fetch(url, { method: 'HEAD' });
				expect(head.headers.get('content-length')).toBe(String(source.length));
			}
		});

		it('deletes objects (and deleting twice is fine)', async () => {
			const { k, uploadId, parts } = await upload([1000]);
			await p.completeMultipartUpload({ key: k, uploadId, parts });
			await p.deleteObject(k);
			expect(await p.headObject(k)).toBeNull();
			await p.deleteObject(k);
			expect((await fetch(await p.signGetUrl({ key: k, origin: h.origin }))).status).toBe(404);
		});

		it('reports itself healthy', async () => {
			expect(await p.healthCheck()).toMatchObject({ ok: true });
		});

		it('moves 2 GiB from disk and back with the same SHA-256', { timeout: 600_000 }, async () => {
			const size = 2 * 1024 * MiB;
			const partSize = 64 * MiB;
			const file = path.join(os.tmpdir(), `ferry-2g-${process.pid}.bin`);
			let t = performance.now();
			const sourceHash = await writeRandomFile(file, size);
			const generated = performance.now() - t;
			const k = key();
			try {
				const { uploadId } = await p.createMultipartUpload({
					key: k,
					contentType: 'application/octet-stream'
				});
				const numbers = Array.from({ length: size / partSize }, (_, i) => i + 1);
				const signed = await p.signPartUrls({
					key: k,
					uploadId,
					parts: numbers.map((partNumber) => ({ partNumber, size: partSize })),
					expiresInSeconds: 3600,
					origin: h.origin
				});
				t = performance.now();
				const parts = await mapLimit(signed, 4, async (s) => {
					const start = (s.partNumber - 1) * partSize;
					const res = await put(
						s.url,
						s.headers,
						{ file, start, end: start + partSize - 1 },
						partSize
					);
					expect(res.status, res.text).toBe(200);
					return { partNumber: s.partNumber, etag: String(res.headers.etag) };
				});
				const uploaded = performance.now() - t;
				t = performance.now();
				expect((await p.completeMultipartUpload({ key: k, uploadId, parts })).size).toBe(size);
				const completed = performance.now() - t;
				t = performance.now();
				const res = await fetch(
					await p.signGetUrl({ key: k, expiresInSeconds: 3600, origin: h.origin })
				);
				const hash = createHash('sha256');
				await pipeline(Readable.fromWeb(res.body as NodeWebReadableStream<Uint8Array>), hash);
				const downloaded = performance.now() - t;
				expect(hash.digest('hex')).toBe(sourceHash);
				const rate = (ms: number) =>
					`${(ms / 1000).toFixed(1)} s (${(size / MiB / (ms / 1000)).toFixed(0)} MiB/s)`;
				console.log(
					`[${name}] 2 GiB: generate ${rate(generated)}, upload 32x64 MiB 4 parallel ${rate(uploaded)}, complete ${completed.toFixed(0)} ms, download+sha256 ${rate(downloaded)}`
				);
				await p.deleteObject(k);
			} finally {
				await rm(file, { force: true });
			}
		});
	});
}

// ---------- HTTP helpers: node:http so the body streams from disk with an exact Content-Length ----------

type Body = Buffer | { file: string; start: number; end: number };
interface PutResult {
	status: number;
	headers: http.IncomingHttpHeaders;
	text: string;
}

function put(
	url: string,
	headers: Record<string, string>,
	body: Body,
	length = Buffer.isBuffer(body) ? body.length : 0
): Promise<PutResult> {
	return new Promise((resolve, reject) => {
		const req = http.request(
			url,
			{ method: 'PUT', headers: { ...headers, 'content-length': String(length) } },
			(res) => {
				const chunks: Buffer[] = [];
				res.on('data', (c: Buffer) => chunks.push(c));
				res.on('end', () =>
					resolve({
						status: res.statusCode ?? 0,
						headers: res.headers,
						text: Buffer.concat(chunks).toString()
					})
				);
				res.on('error', reject);
			}
		);
		req.on('error', reject);
		if (Buffer.isBuffer(body)) req.end(body);
		else
			fs.createReadStream(body.file, { start: body.start, end: body.end })
				.on('error', reject)
				.pipe(req);
	});
}

async function writeRandomFile(file: string, size: number): Promise<string> {
	const hash = createHash('sha256');
	async function* chunks() {
		for (let written = 0; written < size; written += 8 * MiB) {
			const chunk = randomBytes(Math.min(8 * MiB, size - written));
			hash.update(chunk);
			yield chunk;
		}
	}
	await pipeline(Readable.from(chunks()), fs.createWriteStream(file));
	return hash.digest('hex');
}

async function mapLimit<T, R>(
	items: T[],
	limit: number,
	fn: (item: T) => Promise<R>
): Promise<R[]> {
	const results: R[] = new Array(items.length);
	let next = 0;
	const worker = async () => {
		while (next < items.length) {
			const i = next++;
			results[i] = await fn(items[i] as T);
		}
	};
	await Promise.all(Array.from({ length: limit }, worker));
	return results;
}

/** Serves the provider the way the production server does (the node:http fast path). */
async function serveLocal(
	provider: LocalDiskProvider
): Promise<{ origin: string; close(): Promise<void> }> {
	const server = http.createServer((req, res) => {
		if (!handleLocalStorageNode((id) => (id === provider.id ? provider : null), req, res))
			res.writeHead(404).end();
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	return {
		origin: `http://127.0.0.1:${port}`,
		close: () => new Promise((resolve) => server.close(() => resolve()))
	};
}

describeStorageContract('local disk', async () => {
	const root = await mkdtemp(path.join(os.tmpdir(), 'ferry-local-contract-'));
	const options = { id: 'local', root, signingSecret: randomBytes(32).toString('base64url') };
	const provider = new LocalDiskProvider(options);
	const server = await serveLocal(provider);
	return {
		provider,
		fresh: () => new LocalDiskProvider(options),
		origin: server.origin,
		cleanup: async () => {
			await server.close();
			await rm(root, { recursive: true, force: true });
		}
	};
});

describeStorageContract('S3 on Ceph RADOS Gateway', async () => {
	const env = process.env;
	const missing = [
		'FERRY_TEST_S3_ENDPOINT',
		'FERRY_TEST_S3_ACCESS_KEY',
		'FERRY_TEST_S3_SECRET_KEY'
	].filter((name) => !env[name]);
	if (missing.length > 0) {
		throw new Error(
			`${missing.join(', ')} not set: start the test gateway first with  eval "$(bash scripts/rgw.sh start)"`
		);
	}
	const options = {
		id: 's3-test',
		endpoint: env.FERRY_TEST_S3_ENDPOINT,
		region: env.FERRY_TEST_S3_REGION || 'us-east-1',
		bucket: `ferry-contract-${Date.now().toString(36)}`,
		forcePathStyle: true,
		accessKeyId: env.FERRY_TEST_S3_ACCESS_KEY ?? '',
		secretAccessKey: env.FERRY_TEST_S3_SECRET_KEY ?? '',
		checksums: ['MD5'] as const // Ceph Pacific verifies Content-MD5 only; it ignores x-amz-checksum-*.
	};
	const provider = new S3Provider(options);
	const s3 = provider.client;
	await s3.send(new CreateBucketCommand({ Bucket: options.bucket }));
	await s3.send(
		new PutBucketCorsCommand({
			Bucket: options.bucket,
			CORSConfiguration: { CORSRules: [ferryCorsRule([PAGE_ORIGIN])] }
		})
	);
	return {
		provider,
		fresh: () => new S3Provider(options),
		cleanup: async () => {
			const uploads = await s3.send(new ListMultipartUploadsCommand({ Bucket: options.bucket }));
			for (const u of uploads.Uploads ?? [])
				await s3.send(
					new AbortMultipartUploadCommand({
						Bucket: options.bucket,
						Key: u.Key,
						UploadId: u.UploadId
					})
				);
			const objects = await s3.send(new ListObjectsV2Command({ Bucket: options.bucket }));
			for (const o of objects.Contents ?? [])
				await s3.send(new DeleteObjectCommand({ Bucket: options.bucket, Key: o.Key }));
			await s3.send(new DeleteBucketCommand({ Bucket: options.bucket }));
		}
	};
});
