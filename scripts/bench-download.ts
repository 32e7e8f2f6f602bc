// `tsx scripts/bench-download.ts [--size 2048] [--deadline-min 15]` (MiB): the recipient's
// download engine in Chromium against a raw baseline measured in the same run, by the same
// browser, from the same server (local-disk storage):
//   raw       = the page itself: an uncounted preview URL, then 8 MiB ranged GETs of the stored
//               object, 5 at a time (the engine's range size and concurrency), each body read
//               into memory and dropped. No writing, no decryption, no IndexedDB.
//   engine    = the real recipient page /s/{token}: Download, the save picker (a file in the
//               origin-private file system, injected by an init script), ranged fetches,
//               staged offset writes copied into the picked file, until the page says it is saved.
//   raw+write = the raw GETs, each body also written at its offset into one OPFS file through one
//               writable stream committed at the end (informative: what writing alone costs).
//   encrypted = the same for an end-to-end encrypted upload of the same bytes (AES-256-GCM
//               decrypted in the page's decrypt worker), next to raw GETs of its ciphertext.
// During each engine run the page's JS heap (CDP Performance.getMetrics) and the decrypt
// worker's (CDP Runtime.getHeapUsage on the worker target) are sampled
// every 500 ms; the peaks are printed. Playwright is attached (it clicks), which costs both
// sides the same; read the ratio. Not a test: it asserts only that the saved file has the
// source's size and SHA-256.
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { chromium, type BrowserContext, type CDPSession, type Page } from 'playwright-core';
import {
	RecordCipher,
	createNodePorts,
	openFileSource,
	type NodeUploadApiOptions
} from '../src/lib/adapters/node';
import {
	createHeader,
	encryptMetadata,
	fileKeyToFragment,
	generateFileKey
} from '../src/lib/core/crypto';
import { TransferRunner } from '../src/lib/core/upload';
import { newUser } from '../tests/helpers/api-client';
import { CHROMIUM_ARGS, chromiumPath } from '../tests/helpers/browser';
import { startFerry, type FerryServer } from '../tests/helpers/ferry-server';
import { ensureBuild } from './lib/build';

const MiB = 1024 * 1024;
const RANGE = 8 * MiB;
const PARALLEL = 5;

function arg(name: string): string | undefined {
	const i = process.argv.indexOf(`--${name}`);
	if (i >= 0) return process.argv[i + 1];
	return process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
}
const SIZE = Number(arg('size') ?? 2048) * MiB;
const DEADLINE_MS = Number(arg('deadline-min') ?? 15) * 60_000;
if (!(SIZE > 0)) throw new Error('--size is MiB, > 0');

const fmt = (n: number, digits = 1) => n.toFixed(digits);
const mbps = (bytes: number, ms: number) => bytes / 1e6 / (ms / 1000);

/** Random 16 MiB block repeated, each copy stamped with its index; returns the SHA-256 (hex). */
function makeFile(file: string, size: number): string {
	const block = new Uint8Array(16 * MiB);
	for (let o = 0; o < block.length; o += 65536)
		crypto.getRandomValues(block.subarray(o, o + 65536));
	const hash = createHash('sha256');
	const fd = fs.openSync(file, 'w');
	try {
		for (let written = 0, i = 0; written < size; written += block.length, i++) {
			new DataView(block.buffer).setUint32(0, i);
			const part = block.subarray(0, Math.min(block.length, size - written));
			hash.update(part);
			fs.writeSync(fd, part);
		}
	} finally {
		fs.closeSync(fd);
	}
	return hash.digest('hex');
}

async function upload(
	server: FerryServer,
	source: string,
	encrypt: boolean
): Promise<{ token: string; fragment: string }> {
	const { client } = await newUser(server.url, 'Bench Sender');
	const apiToken = await client.json<{ token: string }>('POST', '/api/tokens', { name: 'bench' });
	const room = await client.json<{ id: string }>('POST', '/api/rooms', { name: 'Bench' });
	const api: NodeUploadApiOptions = {
		baseUrl: server.url,
		auth: { kind: 'bearer', token: apiToken.body.token }
	};
	const name = encrypt ? 'bench-encrypted.bin' : 'bench-plain.bin';
	const file = await openFileSource(source, { name, type: 'application/octet-stream' });
	let fragment = '';
	let cipher: RecordCipher | undefined;
	if (encrypt) {
		const key = generateFileKey();
		cipher = await RecordCipher.create({
			key,
			header: createHeader({ plaintextSize: SIZE }),
			extras: {
				encryptedMetadata: await encryptMetadata(key, { name, type: 'application/octet-stream' })
			}
		});
		fragment = `#${fileKeyToFragment(key)}`;
	}
	const runner = new TransferRunner(
		{ transferId: randomUUID(), roomId: room.body.id, file },
		createNodePorts(api, cipher && { cipher }),
		{ checksumAlgorithm: 'CRC32C' }
	);
	await runner.start();
	const state = runner.state;
	if (state.status !== 'done') throw new Error(`upload ended ${state.status}`);
	const share = await client.json<{ token: string }>(
		'POST',
		`/api/files/${state.file.id}/shares`,
		{}
	);
	return { token: share.body.token, fragment };
}

/**
 * Raw parallel ranged GETs of the stored object, timed inside the page. `write`: each body is
 * also written at its offset into one origin-private file through a single writable stream,
 * committed once at the end: the least any download into a file must do on top of fetching.
 */
async function rawRun(
	page: Page,
	token: string,
	write = false
): Promise<{ ms: number; bytes: number }> {
	return page.evaluate(
		async ({ token, range, parallel, write }) => {
			const info = (await (await fetch(`/api/s/${token}`)).json()) as { size: number };
			const started = performance.now();
			const { url } = (await (
				await fetch(`/api/s/${token}/preview`, {
					method: 'POST',
					headers: { 'content-type': 'application/json' },
					body: '{}'
				})
			).json()) as { url: string };
			const root = await navigator.storage.getDirectory();
			const sink = write
				? await (await root.getFileHandle('raw-write.bin', { create: true })).createWritable()
				: null;
			let next = 0;
			let bytes = 0;
			const lane = async () => {
				for (;;) {
					const start = next;
					if (start >= info.size) return;
					next += range;
					const end = Math.min(info.size, start + range) - 1;
					const response = await fetch(url, {
						headers: { range: `bytes=${start}-${end}` },
						credentials: 'omit',
						cache: 'no-store'
					});
					if (response.status !== 206) throw new Error(`raw GET answered ${response.status}`);
					// Read first: `bytes += await …` would add to a stale total.
					const body = await response.arrayBuffer();
					if (sink) await sink.write({ type: 'write', position: start, data: body });
					bytes += body.byteLength;
				}
			};
			await Promise.all(Array.from({ length: parallel }, lane));
			await sink?.close();
			const ms = performance.now() - started;
			if (sink) await root.removeEntry('raw-write.bin');
			return { ms, bytes };
		},
		{ token, range: RANGE, parallel: PARALLEL, write }
	);
}

interface EngineResult {
	ms: number;
	pageHeapPeak: number;
	workerHeapPeak: number | null;
	sha256: string;
	size: number;
}

async function engineRun(context: BrowserContext, page: Page, link: string): Promise<EngineResult> {
	await page.goto(link);
	await page.evaluate(async () => {
		const root = await navigator.storage.getDirectory();
		await root.removeEntry('saved.bin').catch(() => {});
	});
	await page.getByTestId('share-download').waitFor();
	const cdp = await context.newCDPSession(page);
	await cdp.send('Performance.enable');
	const workerHeap = await workerHeapProbe(cdp, 'download-decrypt');
	let pageHeapPeak = 0;
	let workerHeapPeak: number | null = null;
	let sampling = true;
	const sampler = (async () => {
		while (sampling) {
			const { metrics } = (await cdp.send('Performance.getMetrics')) as {
				metrics: { name: string; value: number }[];
			};
			const heap = metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? 0;
			pageHeapPeak = Math.max(pageHeapPeak, heap);
			const worker = await workerHeap().catch(() => null);
			if (worker !== null) workerHeapPeak = Math.max(workerHeapPeak ?? 0, worker);
			await new Promise((r) => setTimeout(r, 500));
		}
	})();
	const started = performance.now();
	await page.getByTestId('share-download').click();
	await page.getByTestId('share-done').waitFor({ timeout: DEADLINE_MS });
	const ms = performance.now() - started;
	sampling = false;
	await sampler;
	await cdp.detach();
	const saved = await page.evaluate(async () => {
		const root = await navigator.storage.getDirectory();
		const file = await (await root.getFileHandle('saved.bin')).getFile();
		// Hashed in 64 MiB slices so the check itself does not hold the whole file.
		const chunks: string[] = [];
		const slice = 64 * 1024 * 1024;
		for (let o = 0; o < file.size; o += slice) {
			const digest = await crypto.subtle.digest(
				'SHA-256',
				await file.slice(o, o + slice).arrayBuffer()
			);
			chunks.push(
				Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('')
			);
		}
		return { size: file.size, chunks };
	});
	return { ms, pageHeapPeak, workerHeapPeak, size: saved.size, sha256: saved.chunks.join(',') };
}

/**
 * Runtime.getHeapUsage of the decrypt worker once it exists. Playwright's CDPSession cannot
 * address a flattened child session, so the worker is attached without flattening and spoken
 * to through Target.sendMessageToTarget.
 */
async function workerHeapProbe(
	cdp: CDPSession,
	urlPart: string
): Promise<() => Promise<number | null>> {
	let session: string | null = null;
	let nextId = 1;
	const waiting = new Map<number, (used: number | null) => void>();
	cdp.on('Target.receivedMessageFromTarget', (event: { message: string }) => {
		const message = JSON.parse(event.message) as { id?: number; result?: { usedSize?: number } };
		if (message.id === undefined) return;
		waiting.get(message.id)?.(message.result?.usedSize ?? null);
		waiting.delete(message.id);
	});
	return async () => {
		if (!session) {
			const { targetInfos } = (await cdp.send('Target.getTargets')) as {
				targetInfos: { targetId: string; type: string; url: string }[];
			};
			const target = targetInfos.find((t) => t.type === 'worker' && t.url.includes(urlPart));
			if (!target) return null;
			const attached = (await cdp.send('Target.attachToTarget', {
				targetId: target.targetId,
				flatten: false
			})) as { sessionId: string };
			session = attached.sessionId;
		}
		const id = nextId++;
		const answer = new Promise<number | null>((resolve) => {
			waiting.set(id, resolve);
			setTimeout(() => {
				if (waiting.delete(id)) resolve(null);
			}, 400);
		});
		await cdp.send('Target.sendMessageToTarget', {
			sessionId: session,
			message: JSON.stringify({ id, method: 'Runtime.getHeapUsage' })
		});
		return answer;
	};
}

/** The same slice-wise SHA-256 list as the page computes, for the source on disk. */
function sliceHashes(file: string): string {
	const slice = 64 * MiB;
	const buffer = Buffer.alloc(slice);
	const fd = fs.openSync(file, 'r');
	const out: string[] = [];
	try {
		for (;;) {
			const n = fs.readSync(fd, buffer, 0, slice, null);
			if (n === 0) break;
			out.push(createHash('sha256').update(buffer.subarray(0, n)).digest('hex'));
		}
	} finally {
		fs.closeSync(fd);
	}
	return out.join(',');
}

async function main(): Promise<void> {
	ensureBuild();
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ferry-bench-download-'));
	const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'ferry-bench-download-profile-'));
	let server: FerryServer | null = null;
	let context: BrowserContext | null = null;
	const deadline = setTimeout(() => {
		console.error(`bench-download: still running after ${DEADLINE_MS / 1000} s; giving up`);
		void Promise.allSettled([context?.close(), server?.stop()]).finally(() => process.exit(1));
	}, DEADLINE_MS);
	try {
		const source = path.join(dir, 'source.bin');
		makeFile(source, SIZE);
		const expected = sliceHashes(source);
		server = await startFerry();
		console.log(
			`bench-download: ${fmt(SIZE / MiB, 0)} MiB, local-disk storage, ${os
				.loadavg()
				.map((l) => fmt(l, 2))
				.join(' ')} load`
		);
		const plain = await upload(server, source, false);
		const encrypted = await upload(server, source, true);
		fs.rmSync(source);
		// A profile on disk: an off-the-record context keeps OPFS in memory.
		context = await chromium.launchPersistentContext(profile, {
			executablePath: chromiumPath(),
			args: [...CHROMIUM_ARGS, '--enable-precise-memory-info'],
			baseURL: server.url
		});
		await context.addInitScript('globalThis.__name ??= (f) => f');
		await context.addInitScript(() => {
			(window as unknown as { showSaveFilePicker: unknown }).showSaveFilePicker = async () => {
				const root = await navigator.storage.getDirectory();
				return root.getFileHandle('saved.bin', { create: true });
			};
		});
		const page = context.pages()[0] ?? (await context.newPage());
		await page.goto('/');
		const rows: string[] = [];
		for (const [label, link] of [
			['plain', plain],
			['encrypted', encrypted]
		] as const) {
			const raw = await rawRun(page, link.token);
			if (raw.bytes < SIZE) throw new Error(`${label}: raw GETs read ${raw.bytes} bytes`);
			const rawWrite = await rawRun(page, link.token, true);
			const rawWriteSpeed = mbps(rawWrite.bytes, rawWrite.ms);
			const engine = await engineRun(context, page, `/s/${link.token}${link.fragment}`);
			if (engine.size !== SIZE || engine.sha256 !== expected) {
				throw new Error(`${label}: the saved file differs from the source (${engine.size} bytes)`);
			}
			const rawSpeed = mbps(raw.bytes, raw.ms);
			const engineSpeed = mbps(SIZE, engine.ms);
			rows.push(
				`${label.padEnd(10)} raw ranged GETs ${fmt(rawSpeed)} MB/s (${fmt(raw.ms / 1000)} s)   engine ${fmt(engineSpeed)} MB/s (${fmt(engine.ms / 1000)} s)   ratio ${fmt(engineSpeed / rawSpeed, 2)}`,
				`${''.padEnd(10)} raw GETs + one write into a file ${fmt(rawWriteSpeed)} MB/s (${fmt(rawWrite.ms / 1000)} s); engine = ${fmt(engineSpeed / rawWriteSpeed, 2)}x of that (informative, not the target)`,
				`${''.padEnd(10)} page JS heap peak ${fmt(engine.pageHeapPeak / MiB)} MiB   decrypt worker JS heap peak ${engine.workerHeapPeak === null ? (label === 'plain' ? 'none (plain files need no worker)' : 'not measured') : `${fmt(engine.workerHeapPeak / MiB)} MiB`}   SHA-256 equal`
			);
			await page.goto('/');
		}
		for (const row of rows) console.log(row);
		console.log(
			`load average at the end: ${os
				.loadavg()
				.map((l) => fmt(l, 2))
				.join(' ')}`
		);
	} finally {
		clearTimeout(deadline);
		await context?.close().catch(() => {});
		await server?.stop();
		fs.rmSync(dir, { recursive: true, force: true });
		fs.rmSync(profile, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
	}
}

await main();
