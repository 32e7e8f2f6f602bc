// `tsx scripts/bench-server.ts`: what Ferry's server costs on the upload path, each figure next
// to a baseline measured in the same run on the same machine:
//   (a) signing part URLs through POST /api/uploads/{id}/parts, 200 uploads at once, against
//       the raw signer in-process (@aws-sdk/s3-request-presigner, or the local provider);
//   (b) part PUTs into the local-disk provider through the server, against plain fs writes.
// S3 is the test gateway when FERRY_TEST_S3_ENDPOINT is set (eval "$(bash scripts/rgw.sh start)"),
// else local disk. Not a test: it prints figures and asserts nothing.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, open, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { S3Client, UploadPartCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { NodeUploadApi } from '../src/lib/adapters/node';
import { LocalDiskProvider } from '../src/lib/server/storage/local-disk';
import { newUser } from '../tests/helpers/api-client';
import { startFerry, type FerryServer } from '../tests/helpers/ferry-server';
import { createTestBucket, requireTestS3, type TestBucket } from '../tests/helpers/s3-bucket';
import { ensureBuild } from './lib/build';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

/** (a): 200 uploads signing at once, 5 requests of 20 parts each (the core's batch size). */
const UPLOADS = 200;
const USERS = 10; // 600 signing requests a minute per user: 10 users leave room for 1000 requests.
const REQUESTS_PER_UPLOAD = 5;
const PARTS_PER_REQUEST = 20;
/** (b): 1 GiB in 16 MiB parts, 4 in flight. */
const PUT_TOTAL = GiB;
const PUT_PART = 16 * MiB;
const PUT_PARALLEL = 4;
const DEADLINE_MS = 120_000;

interface Timed {
	wallMs: number;
	latencies: number[];
}

function percentile(sorted: number[], p: number): number {
	if (sorted.length === 0) return NaN;
	return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function summary(t: Timed, urls: number) {
	const sorted = [...t.latencies].sort((a, b) => a - b);
	return {
		urlsPerSecond: urls / (t.wallMs / 1000),
		p50: percentile(sorted, 50),
		p99: percentile(sorted, 99)
	};
}

/** Runs `lanes` loops at once, each calling `step(lane, i)` `steps` times; times every call. */
async function timedLanes(
	lanes: number,
	steps: number,
	step: (lane: number, i: number) => Promise<unknown>
): Promise<Timed> {
	const latencies: number[] = [];
	const started = performance.now();
	await Promise.all(
		Array.from({ length: lanes }, async (_, lane) => {
			for (let i = 0; i < steps; i++) {
				const t0 = performance.now();
				await step(lane, i);
				latencies.push(performance.now() - t0);
			}
		})
	);
	return { wallMs: performance.now() - started, latencies };
}

const fmt = (n: number, digits = 1) => n.toFixed(digits);

// ---- (a) signing ---------------------------------------------------------------------------

async function benchSigning(server: FerryServer, bucket: TestBucket | null): Promise<void> {
	const partsPerUpload = REQUESTS_PER_UPLOAD * PARTS_PER_REQUEST;
	const urls = UPLOADS * partsPerUpload;
	const users = await Promise.all(
		Array.from({ length: USERS }, async (_, i) => {
			const { client } = await newUser(server.url, `Bench ${i}`);
			const token = await client.json<{ token: string }>('POST', '/api/tokens', { name: 'bench' });
			const room = await client.json<{ id: string }>('POST', '/api/rooms', { name: 'Bench' });
			const api = new NodeUploadApi({
				baseUrl: server.url,
				auth: { kind: 'bearer', token: token.body.token },
				timeoutMs: 60_000
			});
			return { api, roomId: room.body.id };
		})
	);
	const uploads = await Promise.all(
		Array.from({ length: UPLOADS }, async (_, i) => {
			const user = users[i % USERS]!;
			const created = await user.api.create({
				roomId: user.roomId,
				fileName: `bench-${i}.bin`,
				size: partsPerUpload * 5 * MiB,
				preferredPartSize: 5 * MiB
			});
			return { api: user.api, uploadId: created.uploadId };
		})
	);
	const partNumbers = (i: number) =>
		Array.from({ length: PARTS_PER_REQUEST }, (_, k) => i * PARTS_PER_REQUEST + k + 1);

	// Warm-up: JIT, connection pools, the provider's first client.
	await Promise.all(
		uploads.slice(0, 20).map((u) => u.api.signParts(u.uploadId, { partNumbers: [1] }))
	);
	const viaApi = await timedLanes(UPLOADS, REQUESTS_PER_UPLOAD, async (lane, i) => {
		const u = uploads[lane]!;
		const { parts } = await u.api.signParts(u.uploadId, { partNumbers: partNumbers(i) });
		if (parts.length !== PARTS_PER_REQUEST) throw new Error(`signed ${parts.length} parts`);
	});

	// The raw signer, in this process, same call pattern: 200 lanes, batches of 20.
	let raw: Timed;
	let rawName: string;
	if (bucket) {
		const s3 = requireTestS3();
		const client = new S3Client({
			endpoint: s3.endpoint,
			region: s3.region,
			forcePathStyle: true,
			credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
			requestChecksumCalculation: 'WHEN_REQUIRED'
		});
		const signOne = (lane: number, partNumber: number) =>
			getSignedUrl(
				client,
				new UploadPartCommand({
					Bucket: bucket.bucket,
					Key: `rooms/bench/${lane}`,
					UploadId: `bench-upload-${lane}`,
					PartNumber: partNumber,
					ContentLength: 5 * MiB
				}),
				{ expiresIn: 900 }
			);
		await Promise.all(Array.from({ length: 20 }, (_, i) => signOne(i, 1)));
		raw = await timedLanes(UPLOADS, REQUESTS_PER_UPLOAD, (lane, i) =>
			Promise.all(partNumbers(i).map((n) => signOne(lane, n)))
		);
		rawName = '@aws-sdk/s3-request-presigner';
		client.destroy();
	} else {
		const root = await mkdtemp(path.join(os.tmpdir(), 'ferry-bench-sign-'));
		try {
			const provider = new LocalDiskProvider({
				id: 'local',
				root,
				signingSecret: randomBytes(32).toString('base64url')
			});
			const refs = await Promise.all(
				Array.from({ length: UPLOADS }, async (_, lane) => {
					const key = `rooms/bench/${lane}`;
					const { uploadId } = await provider.createMultipartUpload({
						key,
						contentType: 'application/octet-stream'
					});
					return { key, uploadId };
				})
			);
			const sign = (lane: number, i: number) =>
				provider.signPartUrls({
					...refs[lane]!,
					parts: partNumbers(i).map((partNumber) => ({ partNumber, size: 5 * MiB })),
					origin: server.url
				});
			await Promise.all(refs.slice(0, 20).map((_, lane) => sign(lane, 0)));
			raw = await timedLanes(UPLOADS, REQUESTS_PER_UPLOAD, sign);
			rawName = 'LocalDiskProvider.signPartUrls';
		} finally {
			await rm(root, { recursive: true, force: true });
		}
	}
	await Promise.all(uploads.map((u) => u.api.abort(u.uploadId).catch(() => {})));

	const api = summary(viaApi, urls);
	const base = summary(raw, urls);
	console.log(
		`\n(a) part-URL signing: ${UPLOADS} concurrent uploads, ${REQUESTS_PER_UPLOAD} requests x ${PARTS_PER_REQUEST} parts each = ${urls} URLs`
	);
	console.log(
		`    POST /api/uploads/{id}/parts   ${fmt(api.urlsPerSecond, 0).padStart(8)} URLs/s   per request p50 ${fmt(api.p50)} ms  p99 ${fmt(api.p99)} ms`
	);
	console.log(
		`    raw ${rawName.padEnd(27)}${fmt(base.urlsPerSecond, 0).padStart(8)} URLs/s   per batch   p50 ${fmt(base.p50)} ms  p99 ${fmt(base.p99)} ms`
	);
	const overhead = (base.urlsPerSecond / api.urlsPerSecond - 1) * 100;
	console.log(
		`    API adds ${fmt(overhead, 0)} % over raw presigner (time per URL; API figures include this client's HTTP work on the same 2 cores)`
	);
}

// ---- (b) part PUTs -------------------------------------------------------------------------

/** One PUT of an in-memory body with node:http: the cheapest client, so the figures are the server's. */
function httpPut(url: string, headers: Record<string, string>, body: Uint8Array): Promise<void> {
	return new Promise((resolve, reject) => {
		const request = http.request(
			url,
			{ method: 'PUT', headers: { ...headers, 'content-length': String(body.length) } },
			(response) => {
				response.resume();
				response.on('end', () =>
					response.statusCode === 200
						? resolve()
						: reject(new Error(`PUT answered ${response.statusCode}`))
				);
			}
		);
		request.on('error', reject);
		request.end(body);
	});
}

/** The raw server (scripts/lib/raw-put-server.js) in its own process, as Ferry's is. */
async function startRawPutServer(dir: string): Promise<{ url: string; stop(): void }> {
	const child = spawn(
		process.execPath,
		[path.join(import.meta.dirname, 'lib/raw-put-server.js'), dir],
		{
			stdio: ['ignore', 'pipe', 'inherit']
		}
	);
	const port = await new Promise<number>((resolve, reject) => {
		child.stdout.once('data', (data: Buffer) => resolve(Number(String(data).trim())));
		child.once('exit', () => reject(new Error('the raw PUT server did not start')));
	});
	return { url: `http://127.0.0.1:${port}/part`, stop: () => child.kill() };
}

async function benchPuts(server: FerryServer): Promise<void> {
	const parts = PUT_TOTAL / PUT_PART;
	const body = new Uint8Array(randomBytes(PUT_PART));
	const mbps = (ms: number) => PUT_TOTAL / 1e6 / (ms / 1000);
	const lanes = (step: (lane: number, i: number) => Promise<unknown>) =>
		timedLanes(PUT_PARALLEL, parts / PUT_PARALLEL, step);

	// Baselines: the same bytes written with fs (one file per part, fsync'd as the provider does),
	// and PUT to the least a server can do with them, in another process like Ferry's.
	const dir = await mkdtemp(path.join(os.tmpdir(), 'ferry-bench-fs-'));
	let fsWall: number;
	let rawWall: number;
	try {
		fsWall = (
			await lanes(async (lane, i) => {
				const handle = await open(path.join(dir, `part-${lane}-${i}`), 'w');
				try {
					await handle.writeFile(body);
					await handle.sync();
				} finally {
					await handle.close();
				}
			})
		).wallMs;
		const raw = await startRawPutServer(dir);
		try {
			rawWall = (await lanes(() => httpPut(raw.url, {}, body))).wallMs;
		} finally {
			raw.stop();
		}
	} finally {
		await rm(dir, { recursive: true, force: true });
	}

	const { client } = await newUser(server.url, 'Bench PUT');
	const token = await client.json<{ token: string }>('POST', '/api/tokens', { name: 'bench' });
	const room = await client.json<{ id: string }>('POST', '/api/rooms', { name: 'Bench' });
	const api = new NodeUploadApi({
		baseUrl: server.url,
		auth: { kind: 'bearer', token: token.body.token }
	});
	const created = await api.create({
		roomId: room.body.id,
		fileName: 'bench-1gib.bin',
		size: PUT_TOTAL,
		preferredPartSize: PUT_PART
	});
	if (created.partSize !== PUT_PART || created.partCount !== parts) {
		throw new Error(`server planned ${created.partCount} parts of ${created.partSize} bytes`);
	}
	const all = Array.from({ length: parts }, (_, i) => i + 1);
	const { parts: signed } = await api.signParts(created.uploadId, { partNumbers: all });
	const put = await lanes(async (lane, i) => {
		const url = signed[i * PUT_PARALLEL + lane]!;
		await httpPut(url.url, url.headers, body);
	});
	await api.abort(created.uploadId);

	const p50 = percentile(
		[...put.latencies].sort((a, b) => a - b),
		50
	);
	console.log(
		`\n(b) local-disk part PUTs: ${PUT_TOTAL / GiB} GiB in ${PUT_PART / MiB} MiB parts, ${PUT_PARALLEL} in parallel, node:http client`
	);
	console.log(
		`    through the Ferry server   ${fmt(mbps(put.wallMs), 0).padStart(6)} MB/s   per part p50 ${fmt(p50, 0)} ms`
	);
	console.log(
		`    raw PUT server (baseline)  ${fmt(mbps(rawWall), 0).padStart(6)} MB/s   (stream to file + fsync, nothing else)`
	);
	console.log(
		`    plain fs write + fsync     ${fmt(mbps(fsWall), 0).padStart(6)} MB/s   (no HTTP at all)`
	);
	console.log(
		`    Ferry PUT path runs at ${fmt(rawWall / put.wallMs, 2)}x the raw PUT server and ${fmt(fsWall / put.wallMs, 2)}x the plain fs write`
	);
	console.log(
		`    (loopback HTTP itself costs: the raw PUT server runs at ${fmt(fsWall / rawWall, 2)}x the plain fs write on these ${os.cpus().length} cores)`
	);
}

// ---- main ----------------------------------------------------------------------------------

async function main(): Promise<void> {
	ensureBuild();
	const started = Date.now();
	const deadline = setTimeout(() => {
		console.error(`bench-server: still running after ${DEADLINE_MS / 1000} s; giving up`);
		process.exit(1);
	}, DEADLINE_MS);
	const useS3 = Boolean(process.env.FERRY_TEST_S3_ENDPOINT);
	const bucket = useS3 ? await createTestBucket('ferry-bench') : null;
	const servers: FerryServer[] = [];
	try {
		const signingServer = await startFerry(bucket?.ferryEnv ?? {});
		servers.push(signingServer);
		console.log(
			`bench-server: Node ${process.version}, ${os.cpus().length} cores; signing on ${useS3 ? `S3 (${process.env.FERRY_TEST_S3_ENDPOINT})` : 'local disk (FERRY_TEST_S3_ENDPOINT not set)'}`
		);
		// `--puts` measures only (b), the part PUT path.
		if (!process.argv.includes('--puts')) await benchSigning(signingServer, bucket);
		const putServer = useS3 ? await startFerry() : signingServer;
		if (putServer !== signingServer) servers.push(putServer);
		await benchPuts(putServer);
		console.log(`\nbench-server: done in ${fmt((Date.now() - started) / 1000)} s (build excluded)`);
	} finally {
		clearTimeout(deadline);
		for (const server of servers) await server.stop();
		await bucket?.cleanup();
	}
}

main().catch((error: unknown) => {
	console.error(error);
	process.exit(1);
});
