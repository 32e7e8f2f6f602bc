// `tsx scripts/bench-upload.ts [--size 2048] [--mem-size 4096] [--no-mem] [--mem-encrypted] [--only local|s3|none] [--cpu] [--deadline-min 9]` (MiB):
// the browser upload engine in Chromium against a raw baseline measured in the same run, by
// the same page, to the same server:
//   raw     = the page itself: POST /api/uploads, sign every part, PUT `file.slice()` parts
//             6 at a time with fetch, complete. No hashing, no IndexedDB, no worker.
//   engine  = the real app: the room page's file input -> upload worker (CRC32C, IndexedDB
//             record, XHR PUTs, adaptive concurrency) until the transfer says "Done".
//   engine encrypted = the same with the "encrypt" toggle on (AES-256-GCM in the worker).
// Local disk always; S3 (the test gateway) too when FERRY_TEST_S3_ENDPOINT etc. are set
// (eval "$(bash scripts/rgw.sh start)"). Then the JS heap of the page and of the upload worker
// (CDP Runtime.getHeapUsage / Performance.getMetrics) and the renderer's resident memory,
// sampled every 500 ms during one larger upload.
//
// Playwright IS attached (it picks the file with setInputFiles; a plain Chromium process cannot
// be handed a file). That is acceptable here because every part body is a Blob: the raw
// baseline sends `file.slice()`, the engine turns bytes into a Blob before XHR.send
// (src/lib/adapters/http/part-sender.ts). What Playwright distorts is ArrayBuffer bodies
// (about 18 MB/s, docs: /work/shared/notes/platform.md). Both sides run under the same
// conditions, so the ratio is the figure to read; the absolute MB/s may be a little lower
// than in a browser without DevTools. Durations are taken inside the page (performance.now()
// from the file input's change event / the start of the raw run to the end).
// Each upload runs in a fresh Chromium with a fresh profile on disk, like a real user's: the
// engine keeps the File in IndexedDB for resume, and Chromium copies it there (~500 MB/s); that
// copy is part of the engine's time. (An off-the-record context cannot be used: it refuses a
// ~2 GiB File in IndexedDB with QuotaExceededError, and the engine then never starts.)
// Not a test: it prints figures and asserts only that uploads finish with the right size.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { PutBucketCorsCommand } from '@aws-sdk/client-s3';
import { chromium, type BrowserContext, type CDPSession, type Page } from 'playwright-core';
import { ferryCorsRule } from '../src/lib/server/storage/s3-cors';
import { newUser, type ApiClient } from '../tests/helpers/api-client';
import { CHROMIUM_ARGS, chromiumPath } from '../tests/helpers/browser';
import { startFerry, type FerryServer } from '../tests/helpers/ferry-server';
import { createTestBucket, type TestBucket } from '../tests/helpers/s3-bucket';
import { ensureBuild } from './lib/build';
import { browserPids, rendererPids, rssBytes } from '../tests/helpers/renderer-memory';
import { formatCpuUse, startCpuUse } from '../tests/helpers/cpu-use';

const MiB = 1024 * 1024;
const RAW_PARALLEL = 6;
/** --deadline-min N: a loaded machine needs more than the default 9 minutes for every run. */
const DEADLINE_MS = Number(arg('deadline-min') ?? 9) * 60_000;

function arg(name: string): string | undefined {
	const i = process.argv.indexOf(`--${name}`);
	if (i >= 0) return process.argv[i + 1];
	const eq = process.argv.find((a) => a.startsWith(`--${name}=`));
	return eq?.slice(name.length + 3);
}
const SIZE = Number(arg('size') ?? 2048) * MiB;
const MEM_SIZE = Number(arg('mem-size') ?? 4096) * MiB;
const WITH_MEM = !process.argv.includes('--no-mem');
/** --mem-encrypted: the memory run uploads with end-to-end encryption (sealed parts go through OPFS). */
const MEM_ENCRYPTED = process.argv.includes('--mem-encrypted');
/** --only local | s3 | none: speed runs on one storage only, or none (the memory run uses local disk). */
const ONLY = arg('only');
/** --cpu: after each run, the CPU seconds each process and thread kind used (from /proc). */
const CPU = process.argv.includes('--cpu');
if (!(SIZE > 0) || !(MEM_SIZE > 0)) throw new Error('--size and --mem-size are MiB, > 0');

const fmt = (n: number, digits = 1) => n.toFixed(digits);
const mbps = (bytes: number, ms: number) => bytes / 1e6 / (ms / 1000);
const mib = (bytes: number) => `${fmt(bytes / MiB, 0)} MiB`;

// ---- test files -----------------------------------------------------------------------------

/** A file of `size` bytes on disk: a random 16 MiB block, each copy stamped with its index. */
function makeFile(dir: string, size: number, name: string): string {
	const file = path.join(dir, name);
	const block = new Uint8Array(16 * MiB);
	crypto.getRandomValues(block.subarray(0, 65536));
	for (let o = 65536; o < block.length; o += 65536)
		crypto.getRandomValues(block.subarray(o, o + 65536));
	const fd = fs.openSync(file, 'w');
	try {
		for (let written = 0, i = 0; written < size; written += block.length, i++) {
			new DataView(block.buffer).setUint32(0, i);
			fs.writeSync(fd, block, 0, Math.min(block.length, size - written));
		}
	} finally {
		fs.closeSync(fd);
	}
	return file;
}

// ---- one run ----------------------------------------------------------------------------------

interface Target {
	label: string;
	server: FerryServer;
	client: ApiClient;
	session: string;
	roomId: string;
}

interface RunResult {
	ms: number;
	bytes: number;
	parts?: number;
	partSize?: number;
}

/**
 * A fresh Chromium with a fresh profile on disk, signed in, on the room page. A profile on disk
 * like a real user's: an off-the-record context refuses a ~2 GiB File in IndexedDB
 * (QuotaExceededError), which the engine needs (it keeps the File for resume).
 */
async function openRoom(
	target: Target
): Promise<{ context: BrowserContext; page: Page; close: () => Promise<void> }> {
	const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'ferry-bench-profile-'));
	const context = await chromium.launchPersistentContext(profile, {
		executablePath: chromiumPath(),
		args: CHROMIUM_ARGS,
		baseURL: target.server.url
	});
	const close = async () => {
		await context.close().catch(() => {});
		fs.rmSync(profile, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
	};
	await context.addCookies([
		{ name: 'ferry_session', value: target.session, url: target.server.url }
	]);
	// tsx (esbuild keepNames) wraps named functions in __name(); functions we evaluate need it.
	await context.addInitScript('globalThis.__name ??= (f) => f');
	const page = context.pages()[0] ?? (await context.newPage());
	await page.goto(`/rooms/${target.roomId}`);
	await page.getByTestId('file-input').waitFor({ state: 'attached' });
	// Wait until the input is enabled (the room is loaded and uploading allowed).
	await page.waitForFunction(
		() => !(document.querySelector('[data-testid=file-input]') as HTMLInputElement | null)?.disabled
	);
	return { context, page, close };
}

/**
 * The raw baseline: the page uploads the file itself with parallel fetch PUTs of File.slice().
 * With `readEachPart`, every part is also read once in one of two workers before its PUT
 * (FileReaderSync, 8 MiB at a time, bytes dropped): the least any uploader that checksums each
 * part in the browser must do on top of the raw PUTs.
 */
async function rawRun(
	target: Target,
	file: string,
	size: number,
	readEachPart = false
): Promise<RunResult> {
	const { page, close } = await openRoom(target);
	try {
		await page.evaluate(() => {
			const input = document.createElement('input');
			input.type = 'file';
			input.id = 'bench-raw-file';
			input.style.display = 'none';
			document.body.append(input);
		});
		await page.locator('#bench-raw-file').setInputFiles(file);
		const cpu = CPU ? startCpuUse() : null;
		const result = await page.evaluate(
			async ({ roomId, parallel, readEachPart }) => {
				const picked = (document.getElementById('bench-raw-file') as HTMLInputElement).files![0]!;
				const json = async <T>(method: string, url: string, body?: unknown): Promise<T> => {
					const res = await fetch(url, {
						method,
						headers: body === undefined ? {} : { 'content-type': 'application/json' },
						...(body !== undefined && { body: JSON.stringify(body) })
					});
					if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${await res.text()}`);
					return (res.status === 204 ? undefined : await res.json()) as T;
				};
				const t0 = performance.now();
				const created = await json<{ uploadId: string; partSize: number; partCount: number }>(
					'POST',
					'/api/uploads',
					{
						roomId,
						fileName: picked.name,
						size: picked.size,
						contentType: 'application/octet-stream',
						lastModified: picked.lastModified
					}
				);
				const signed: { partNumber: number; url: string; headers: Record<string, string> }[] = [];
				for (let first = 1; first <= created.partCount; first += 100) {
					const partNumbers = Array.from(
						{ length: Math.min(100, created.partCount - first + 1) },
						(_, i) => first + i
					);
					const answer = await json<{ parts: typeof signed }>(
						'POST',
						`/api/uploads/${created.uploadId}/parts`,
						{ partNumbers }
					);
					signed.push(...answer.parts);
				}
				const etags: { partNumber: number; etag: string }[] = [];
				// Two reader workers, like the engine's pool on two cores; a part waits for a free one.
				const source = `onmessage = (e) => {
					const r = new FileReaderSync(); let n = 0;
					for (let at = 0; at < e.data.size; at += 8388608) n += r.readAsArrayBuffer(e.data.slice(at, at + 8388608)).byteLength;
					postMessage(n);
				};`;
				const readers = readEachPart
					? Array.from(
							{ length: 2 },
							() => new Worker(URL.createObjectURL(new Blob([source], { type: 'text/javascript' })))
						)
					: [];
				const waiting: ((w: Worker) => void)[] = [];
				const readOnce = async (blob: Blob): Promise<void> => {
					const worker = readers.pop() ?? (await new Promise<Worker>((r) => waiting.push(r)));
					const read = await new Promise<number>((r) => {
						worker.onmessage = (e) => r(e.data as number);
						worker.postMessage(blob);
					});
					if (read !== blob.size) throw new Error(`read ${read} of ${blob.size} bytes`);
					const next = waiting.shift();
					if (next) next(worker);
					else readers.push(worker);
				};
				let next = 0;
				await Promise.all(
					Array.from({ length: parallel }, async () => {
						while (next < signed.length) {
							const part = signed[next++]!;
							const start = (part.partNumber - 1) * created.partSize;
							const body = picked.slice(start, Math.min(picked.size, start + created.partSize));
							if (readEachPart) await readOnce(body);
							const res = await fetch(part.url, { method: 'PUT', headers: part.headers, body });
							if (!res.ok) throw new Error(`PUT part ${part.partNumber}: ${res.status}`);
							await res.body?.cancel();
							const etag = res.headers.get('etag');
							if (!etag)
								throw new Error(`part ${part.partNumber}: no ETag readable (CORS ExposeHeaders?)`);
							etags.push({ partNumber: part.partNumber, etag });
						}
					})
				);
				etags.sort((a, b) => a.partNumber - b.partNumber);
				await json('POST', `/api/uploads/${created.uploadId}/complete`, { parts: etags });
				return { ms: performance.now() - t0, parts: created.partCount, partSize: created.partSize };
			},
			{ roomId: target.roomId, parallel: RAW_PARALLEL, readEachPart }
		);
		if (cpu) console.log(formatCpuUse(cpu.stop()));
		return { ...result, bytes: size };
	} finally {
		await close();
	}
}

interface Sampler {
	stop(): Promise<{
		pageHeap: number;
		workerHeap: number;
		workerBacking: number;
		rendererRss: number;
		browserRss: number;
		browserRssFirst: number;
		samples: number;
		workerSeen: boolean;
	}>;
}

/** Samples the page's JS heap, the upload worker's heap and renderer RSS every 500 ms. */
async function startSampler(context: BrowserContext, page: Page): Promise<Sampler> {
	const pageCdp: CDPSession = await context.newCDPSession(page);
	await pageCdp.send('Performance.enable');
	const browserCdp = await context.newCDPSession(page);
	// Non-flattened session to the worker: Playwright's CDPSession cannot address a flat child
	// session, so messages go through Target.sendMessageToTarget.
	let workerSession: string | null = null;
	let nextId = 1;
	const pending = new Map<number, (result: Record<string, number> | null) => void>();
	browserCdp.on(
		'Target.receivedMessageFromTarget',
		(event: { sessionId: string; message: string }) => {
			const message = JSON.parse(event.message) as {
				id?: number;
				result?: Record<string, number>;
				error?: unknown;
			};
			if (message.id !== undefined) pending.get(message.id)?.(message.result ?? null);
		}
	);
	const workerHeap = (): Promise<Record<string, number> | null> =>
		new Promise((resolve) => {
			if (!workerSession) return resolve(null);
			const id = nextId++;
			pending.set(id, resolve);
			setTimeout(() => pending.has(id) && (pending.delete(id), resolve(null)), 400);
			browserCdp
				.send('Target.sendMessageToTarget', {
					sessionId: workerSession,
					message: JSON.stringify({ id, method: 'Runtime.getHeapUsage' })
				})
				.catch(() => resolve(null));
		});
	const findWorker = async () => {
		if (workerSession) return;
		const { targetInfos } = (await browserCdp.send('Target.getTargets')) as {
			targetInfos: { targetId: string; type: string; url: string }[];
		};
		const worker = targetInfos.find(
			(t) => t.type === 'worker' && t.url.includes(new URL(page.url()).host)
		);
		if (!worker) return;
		const attached = (await browserCdp.send('Target.attachToTarget', {
			targetId: worker.targetId,
			flatten: false
		})) as { sessionId: string };
		workerSession = attached.sessionId;
	};
	const peak = {
		pageHeap: 0,
		workerHeap: 0,
		workerBacking: 0,
		rendererRss: 0,
		browserRss: 0,
		browserRssFirst: 0,
		samples: 0,
		workerSeen: false
	};
	let stopped = false;
	const sample = async () => {
		try {
			await findWorker();
		} catch {
			// Not there yet.
		}
		const metrics = (await pageCdp
			.send('Performance.getMetrics')
			.catch(() => ({ metrics: [] }))) as { metrics: { name: string; value: number }[] };
		const used = metrics.metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? 0;
		peak.pageHeap = Math.max(peak.pageHeap, used);
		const w = await workerHeap();
		if (w) {
			peak.workerSeen = true;
			peak.workerHeap = Math.max(peak.workerHeap, w.usedSize ?? 0);
			peak.workerBacking = Math.max(peak.workerBacking, w.backingStorageSize ?? 0);
		}
		const rss = rendererPids().reduce((sum, pid) => sum + rssBytes(pid), 0);
		peak.rendererRss = Math.max(peak.rendererRss, rss);
		const browser = browserPids().reduce((sum, pid) => sum + rssBytes(pid), 0);
		if (peak.samples === 0) peak.browserRssFirst = browser;
		peak.browserRss = Math.max(peak.browserRss, browser);
		peak.samples++;
	};
	const loop = (async () => {
		while (!stopped) {
			const t = performance.now();
			await sample();
			await new Promise((r) => setTimeout(r, Math.max(0, 500 - (performance.now() - t))));
		}
	})();
	return {
		async stop() {
			stopped = true;
			await loop;
			await pageCdp.detach().catch(() => {});
			await browserCdp.detach().catch(() => {});
			return peak;
		}
	};
}

/** The engine: the room page's file input, until the transfer row says Done. */
async function engineRun(
	target: Target,
	file: string,
	size: number,
	options: { encrypt: boolean; sample?: boolean }
): Promise<RunResult & { phases: string; memory?: Awaited<ReturnType<Sampler['stop']>> }> {
	const { context, page, close } = await openRoom(target);
	try {
		if (options.encrypt) await page.getByTestId('encrypt-toggle').check();
		// Timestamps in the page: the input's change event, and the moment the row says Done.
		await page.evaluate(() => {
			const w = window as unknown as {
				__bench: {
					changed?: number;
					uploading?: number;
					moving?: number;
					finishing?: number;
					done?: number;
					state?: string;
				};
			};
			w.__bench = {};
			document.addEventListener('change', () => (w.__bench.changed ??= performance.now()), true);
			const timer = setInterval(() => {
				const state =
					document.querySelector('[data-testid=transfer-state]')?.textContent ?? undefined;
				// Phases, to see where the time goes: start-up, first bytes, the parts, completion.
				const percent = Number(
					document
						.querySelector('[data-testid=transfer-progress]')
						?.getAttribute('aria-valuenow') ?? -1
				);
				if (state === 'Uploading') w.__bench.uploading ??= performance.now();
				if (percent > 0) w.__bench.moving ??= performance.now();
				if (state === 'Finishing') w.__bench.finishing ??= performance.now();
				if (state === 'Done' || state === 'Failed' || state === 'Cancelled') {
					w.__bench.done = performance.now();
					w.__bench.state = state;
					clearInterval(timer);
				}
			}, 20);
		});
		const sampler = options.sample ? await startSampler(context, page) : null;
		const cpu = CPU ? startCpuUse() : null;
		await page.getByTestId('file-input').setInputFiles(file);
		const errors: string[] = [];
		page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
		page.on('pageerror', (e) => errors.push(String(e)));
		page.on('worker', (w) =>
			w.on('console', (m) => m.type() === 'error' && errors.push(`worker: ${m.text()}`))
		);
		// Watch progress: a transfer that stops moving for 60 s is reported, not waited on forever.
		let last = { percent: -1, at: Date.now() };
		for (;;) {
			const seen = await page.evaluate(() => ({
				done: (window as unknown as { __bench: { done?: number } }).__bench.done !== undefined,
				state:
					document.querySelector('[data-testid=transfer-state]')?.textContent ??
					'(no transfer row)',
				percent: Number(
					document
						.querySelector('[data-testid=transfer-progress]')
						?.getAttribute('aria-valuenow') ?? -1
				),
				row:
					document
						.querySelector('[data-testid=transfer]')
						?.textContent?.replace(/\s+/g, ' ')
						.trim() ?? ''
			}));
			if (seen.done) break;
			if (seen.percent !== last.percent) last = { percent: seen.percent, at: Date.now() };
			if (process.env.BENCH_TRACE) console.log(`    [trace] ${seen.state} ${seen.percent} %`);
			if (Date.now() - last.at > 60_000) {
				throw new Error(
					`engine upload stalled for 60 s at ${seen.percent} % (${seen.state}): ${seen.row}; errors: ${errors.join(' | ') || 'none'}`
				);
			}
			await new Promise((r) => setTimeout(r, 1000));
		}
		const memory = await sampler?.stop();
		if (cpu) console.log(formatCpuUse(cpu.stop()));
		const bench = await page.evaluate(
			() =>
				(
					window as unknown as {
						__bench: {
							changed: number;
							uploading?: number;
							moving?: number;
							finishing?: number;
							done: number;
							state: string;
						};
					}
				).__bench
		);
		if (bench.state !== 'Done') {
			const hint = await page.locator('[data-testid=transfer]').first().textContent();
			throw new Error(`engine upload ended as ${bench.state}: ${hint}`);
		}
		const at = (t: number | undefined) =>
			t === undefined ? '?' : `${fmt((t - bench.changed) / 1000, 2)} s`;
		const phases = `uploading at ${at(bench.uploading)}, first progress at ${at(bench.moving)}, finishing at ${at(bench.finishing)}`;
		return { ms: bench.done - bench.changed, bytes: size, phases, ...(memory && { memory }) };
	} finally {
		await close();
	}
}

// ---- main -------------------------------------------------------------------------------------

async function target(label: string, server: FerryServer): Promise<Target> {
	const { client } = await newUser(server.url, 'Bench upload');
	const room = await client.json<{ id: string }>('POST', '/api/rooms', { name: 'Bench' });
	if (room.status !== 201) throw new Error(`room: ${room.status}`);
	return { label, server, client, session: client.cookie('ferry_session')!, roomId: room.body.id };
}

/**
 * Checks the upload was stored whole, then deletes it (the test gateway keeps objects in 8 GiB of
 * RAM); each run deletes its file, so the room holds only the one just uploaded.
 */
async function checkStored(t: Target, name: string, minSize: number): Promise<void> {
	const files = await t.client.json<{ files: { id: string; name: string; size: number }[] }>(
		'GET',
		`/api/rooms/${t.roomId}/files`
	);
	// An encrypted upload's name is sealed: the server stores the placeholder "encrypted".
	const found = files.body.files.filter((f) => f.name === name || f.name === 'encrypted');
	if (found.length !== 1 || found[0]!.size < minSize) {
		throw new Error(
			`${t.label}: ${name} not stored with ${minSize} bytes: ${JSON.stringify(found)}`
		);
	}
	const deleted = await t.client.request('DELETE', `/api/files/${found[0]!.id}`);
	if (!deleted.ok) throw new Error(`${t.label}: deleting ${name}: ${deleted.status}`);
}

async function main(): Promise<void> {
	const wall = Date.now();
	ensureBuild();
	const servers: FerryServer[] = [];
	const deadline = setTimeout(() => {
		console.error(`bench-upload: still running after ${DEADLINE_MS / 1000} s; giving up`);
		// Stop the servers first: exiting alone leaves them running, orphaned.
		void Promise.allSettled(servers.map((server) => server.stop())).finally(() => process.exit(1));
	}, DEADLINE_MS);
	const useS3 = Boolean(process.env.FERRY_TEST_S3_ENDPOINT);
	let bucket: TestBucket | null = null;
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ferry-bench-upload-'));
	try {
		const local = await startFerry();
		servers.push(local);
		const targets = [await target('local disk', local)];
		if (useS3) {
			bucket = await createTestBucket('ferry-bench-up');
			const s3 = await startFerry(bucket.ferryEnv);
			servers.push(s3);
			await bucket.client.send(
				new PutBucketCorsCommand({
					Bucket: bucket.bucket,
					CORSConfiguration: { CORSRules: [ferryCorsRule([s3.url])] }
				})
			);
			targets.push(await target(`S3 (${process.env.FERRY_TEST_S3_ENDPOINT})`, s3));
		}
		const t0 = performance.now();
		const file = makeFile(dir, SIZE, `bench-${SIZE / MiB}mib.bin`);
		console.log(
			`bench-upload: Node ${process.version}, ${os.cpus().length} cores, Chromium ${chromiumPath()}; wrote ${mib(SIZE)} test file in ${fmt((performance.now() - t0) / 1000)} s`
		);
		console.log(
			'  NOTE: Playwright is attached to Chromium (it hands over the file with setInputFiles). All part bodies are Blobs\n' +
				'  (raw: File.slice(); engine: bytes -> Blob before XHR.send), which DevTools does not slow down; only ArrayBuffer\n' +
				'  bodies are distorted. Raw and engine run in the same Chromium build, same server, same run: read the ratios.'
		);
		console.log(
			`  a fresh Chromium profile per upload; ${mib(SIZE)} per upload, raw = ${RAW_PARALLEL} parallel fetch PUTs of File.slice() from the page`
		);

		for (const t of targets) {
			if (ONLY && ONLY !== (t.label.startsWith('S3') ? 's3' : 'local')) continue;
			console.log(`\n${t.label}:`);
			// The test gateway keeps objects in 8 GiB of RAM (memstore) and frees deleted ones only
			// at its garbage collection, hours later: a 4th 2 GiB upload fills it and PUTs hang.
			const s3 = t.label.startsWith('S3');
			const raw1 = await rawRun(t, file, SIZE);
			await checkStored(t, path.basename(file), SIZE);
			console.log(
				`  raw #1             ${fmt(mbps(raw1.bytes, raw1.ms), 0).padStart(5)} MB/s  ${fmt(raw1.ms / 1000, 2)} s  (${raw1.parts} parts of ${mib(raw1.partSize!)})`
			);
			// Local disk only: on the test gateway a 4th 2 GiB upload would fill its memory.
			const rawRead = s3 ? null : await rawRun(t, file, SIZE, true);
			if (rawRead) {
				await checkStored(t, path.basename(file), SIZE);
				console.log(
					`  raw + read #1      ${fmt(mbps(rawRead.bytes, rawRead.ms), 0).padStart(5)} MB/s  ${fmt(rawRead.ms / 1000, 2)} s  (each part also read once in a worker)`
				);
			}
			const plain = await engineRun(t, file, SIZE, { encrypt: false });
			await checkStored(t, path.basename(file), SIZE);
			console.log(
				`  engine plain       ${fmt(mbps(plain.bytes, plain.ms), 0).padStart(5)} MB/s  ${fmt(plain.ms / 1000, 2)} s  (${plain.phases})`
			);
			const enc = await engineRun(t, file, SIZE, { encrypt: true });
			await checkStored(t, path.basename(file), SIZE);
			console.log(
				`  engine encrypted   ${fmt(mbps(enc.bytes, enc.ms), 0).padStart(5)} MB/s  ${fmt(enc.ms / 1000, 2)} s  (plaintext bytes; ${enc.phases})`
			);
			const raw2 = s3 && SIZE * 4 > 7 * 1024 * MiB ? null : await rawRun(t, file, SIZE);
			if (raw2) {
				await checkStored(t, path.basename(file), SIZE);
				console.log(
					`  raw #2             ${fmt(mbps(raw2.bytes, raw2.ms), 0).padStart(5)} MB/s  ${fmt(raw2.ms / 1000, 2)} s`
				);
			} else
				console.log(
					'  raw #2             skipped: a 4th upload would fill the test gateway (8 GiB memstore, deletes freed only by its GC)'
				);
			const rawMs = raw2 ? (raw1.ms + raw2.ms) / 2 : raw1.ms;
			console.log(
				`  raw baseline (${raw2 ? 'mean of #1, #2' : '#1'}): ${fmt(mbps(SIZE, rawMs), 0)} MB/s`
			);
			console.log(`  => engine plain     = ${fmt(rawMs / plain.ms, 2)}x raw`);
			console.log(`  => engine encrypted = ${fmt(rawMs / enc.ms, 2)}x raw`);
			if (rawRead) {
				console.log(
					`  => raw + read       = ${fmt(rawMs / rawRead.ms, 2)}x raw: the ceiling for an engine that reads each part to checksum it`
				);
				console.log(`  => engine plain     = ${fmt(rawRead.ms / plain.ms, 2)}x raw + read`);
			}
		}

		if (WITH_MEM) {
			const t1 = performance.now();
			const big = makeFile(dir, MEM_SIZE, `bench-mem-${MEM_SIZE / MiB}mib.bin`);
			fs.rmSync(file);
			console.log(
				`\nmemory during one ${mib(MEM_SIZE)} engine upload (${MEM_ENCRYPTED ? 'encrypted' : 'plain'}, local disk; file written in ${fmt((performance.now() - t1) / 1000)} s), sampled every 500 ms:`
			);
			const run = await engineRun(targets[0]!, big, MEM_SIZE, {
				encrypt: MEM_ENCRYPTED,
				sample: true
			});
			const m = run.memory!;
			console.log(
				`  speed                      ${fmt(mbps(run.bytes, run.ms), 0)} MB/s, ${fmt(run.ms / 1000, 1)} s, ${m.samples} samples`
			);
			console.log(
				`  page JS heap peak          ${fmt(m.pageHeap / MiB)} MiB   (CDP Performance.getMetrics JSHeapUsedSize)`
			);
			console.log(
				m.workerSeen
					? `  upload worker JS heap peak ${fmt(m.workerHeap / MiB)} MiB   (CDP Runtime.getHeapUsage usedSize; ArrayBuffer backing store peak ${fmt(m.workerBacking / MiB)} MiB)`
					: '  upload worker JS heap      not measured (could not attach to the worker target)'
			);
			console.log(
				`  page + worker heap peak    ${fmt((m.pageHeap + m.workerHeap) / MiB)} MiB (sum of separate peaks)`
			);
			console.log(
				`  renderer RSS peak          ${fmt(m.rendererRss / MiB)} MiB   (/proc VmRSS of all renderer processes)`
			);
			console.log(
				`  browser process RSS        ${fmt(m.browserRssFirst / MiB)} MiB at the start, peak ${fmt(m.browserRss / MiB)} MiB   (holds in-memory Blob data)`
			);
		}
		console.log(`\nbench-upload: done in ${fmt((Date.now() - wall) / 1000)} s (build included)`);
	} finally {
		clearTimeout(deadline);
		for (const server of servers) await server.stop();
		await bucket?.cleanup().catch((e: unknown) => console.error('bucket cleanup:', e));
		fs.rmSync(dir, { recursive: true, force: true });
	}
}

main().catch((error: unknown) => {
	console.error(error);
	process.exit(1);
});
