// `tsx scripts/measure-background.ts [--size 2048] [--minutes 10] [--rate 3]` (MiB, MiB/s): how far an upload gets
// with no app tab open, in a plain Chromium (no DevTools connection: Playwright would keep the
// service worker alive and hide the browser's limits).
//
// A small proxy in front of Ferry gives a measurement page Ferry's origin (Ferry runs with
// ORIGIN = the proxy, so its part URLs point there too) and takes the page's reports. The page
// signs in, writes the test file into OPFS (no user gesture needed), opens the room page in an
// iframe, hands the file to the room's file input (DataTransfer), waits until IndexedDB holds
// the upload's id, then navigates to about:blank: from then on no app page exists and only the
// service worker can upload. Node samples `GET /api/uploads/{id}` (API token) every 10 s.
// Not a test: it prints what happened.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { newUser } from '../tests/helpers/api-client';
import { CHROMIUM_ARGS, chromiumPath } from '../tests/helpers/browser';
import { startFerry } from '../tests/helpers/ferry-server';
import { freePort } from '../tests/helpers/ports';
import { ensureBuild } from './lib/build';

const MiB = 1024 * 1024;
function arg(name: string): string | undefined {
	const i = process.argv.indexOf(`--${name}`);
	return i >= 0 ? process.argv[i + 1] : undefined;
}
const SIZE = Number(arg('size') ?? 2048) * MiB;
const MINUTES = Number(arg('minutes') ?? 10);
const SAMPLE_MS = 10_000;
/**
 * The uplink, MiB/s, shared by all part PUTs (the proxy paces their bodies). On loopback the
 * tab would send 2 GiB in seconds and nothing would be left for the service worker; a slow
 * uplink is also the case where uploads outlive tabs. Low enough that 2 GiB takes longer than
 * the measurement, high enough that a 16 MiB part among 6 in flight beats the 60 s stall limit
 * of fetch bodies (no upload progress in a service worker).
 */
const RATE = Number(arg('rate') ?? 3) * MiB;

/** The page Chromium opens: runs on Ferry's origin through the proxy, reports to /__report. */
const PAGE = `<!doctype html><meta charset="utf-8"><title>measure</title><body><script type="module">
const p = new URLSearchParams(location.hash.slice(1));
const report = (data) => fetch('/__report', { method: 'POST', body: JSON.stringify(data) });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
try {
	await report({ step: 'page' });
	const login = await fetch('/api/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: p.get('email'), password: p.get('password') }) });
	if (!login.ok) throw new Error('login ' + login.status);
	const root = await navigator.storage.getDirectory();
	const handle = await root.getFileHandle('measure.bin', { create: true });
	const writable = await handle.createWritable();
	const size = Number(p.get('size'));
	const block = new Uint8Array(16 * 1024 * 1024);
	for (let o = 0; o < block.length; o += 65536) crypto.getRandomValues(block.subarray(o, o + 65536));
	for (let written = 0, i = 0; written < size; written += block.length, i++) {
		new DataView(block.buffer).setUint32(0, i);
		await writable.write(block.subarray(0, Math.min(block.length, size - written)));
	}
	await writable.close();
	const file = await handle.getFile();
	await report({ step: 'file', size: file.size });
	const frame = document.createElement('iframe');
	frame.src = '/rooms/' + p.get('room');
	document.body.append(frame);
	let input = null;
	for (let i = 0; i < 600 && !input; i++) {
		await sleep(100);
		const candidate = frame.contentDocument?.querySelector('[data-testid=file-input]');
		if (candidate && !candidate.disabled && frame.contentWindow.navigator.serviceWorker.controller) input = candidate;
	}
	if (!input) throw new Error('room page not ready (file input or service worker missing)');
	const dt = new DataTransfer();
	dt.items.add(file);
	input.files = dt.files;
	input.dispatchEvent(new Event('change', { bubbles: true }));
	let uploadId = null;
	for (let i = 0; i < 1200 && !uploadId; i++) {
		await sleep(100);
		const db = await new Promise((resolve, reject) => { const r = indexedDB.open('ferry'); r.onsuccess = () => resolve(r.result); r.onerror = () => reject(r.error); });
		if (db.objectStoreNames.contains('transfers')) {
			const rows = await new Promise((resolve) => { const r = db.transaction('transfers').objectStore('transfers').getAll(); r.onsuccess = () => resolve(r.result); });
			// Wait for the kept File too: without it the service worker could not read the bytes.
			uploadId = rows.find((row) => row.record && row.source.file)?.record.uploadId ?? null;
		}
		db.close();
	}
	if (!uploadId) throw new Error('the upload was not created');
	await report({ step: 'started', uploadId });
	location.href = 'about:blank';
} catch (error) {
	await report({ step: 'error', message: String(error) });
}
</script>`;

/** The next moment the shared uplink is free. */
let uplinkFreeAt = 0;

/** Copies a request body at RATE shared by every body in flight. */
async function paced(from: http.IncomingMessage, to: http.ClientRequest): Promise<void> {
	try {
		for await (const chunk of from as AsyncIterable<Buffer>) {
			const now = Date.now();
			uplinkFreeAt = Math.max(uplinkFreeAt, now) + (chunk.length / RATE) * 1000;
			await new Promise((r) => setTimeout(r, uplinkFreeAt - now));
			if (!to.write(chunk)) await new Promise((r) => to.once('drain', r));
		}
		to.end();
	} catch {
		to.destroy();
	}
}

async function main(): Promise<void> {
	ensureBuild();
	const proxyPort = await freePort();
	const origin = `http://127.0.0.1:${proxyPort}`;
	const ferry = await startFerry({ ORIGIN: origin });
	const reports: Record<string, unknown>[] = [];
	let onReport: (r: Record<string, unknown>) => void = () => undefined;
	const proxy = http.createServer((req, res) => {
		if (req.url === '/__measure') {
			res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
			return;
		}
		if (req.url === '/__report') {
			let body = '';
			req.on('data', (d: Buffer) => (body += d.toString()));
			req.on('end', () => {
				const r = { at: Date.now(), ...(JSON.parse(body) as Record<string, unknown>) };
				reports.push(r);
				onReport(r);
				res.writeHead(204).end();
			});
			return;
		}
		const upstream = http.request(
			{
				host: '127.0.0.1',
				port: ferry.port,
				method: req.method,
				path: req.url,
				headers: req.headers
			},
			(answer) => {
				res.writeHead(answer.statusCode ?? 502, answer.headers);
				answer.pipe(res);
			}
		);
		upstream.on('error', () => res.destroy());
		if (req.method === 'PUT' && req.url?.startsWith('/storage/')) void paced(req, upstream);
		else req.pipe(upstream);
	});
	await new Promise<void>((resolve) => proxy.listen(proxyPort, '127.0.0.1', resolve));

	const { client, email, password } = await newUser(ferry.url, 'Measure');
	const room = await client.json<{ id: string }>('POST', '/api/rooms', { name: 'background' });
	const token = await client.json<{ token: string }>('POST', '/api/tokens', { name: 'measure' });
	const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'ferry-measure-profile-'));
	const hash = new URLSearchParams({ email, password, room: room.body.id, size: String(SIZE) });
	const started = new Promise<string>((resolve, reject) => {
		onReport = (r) => {
			console.log(`[page] ${JSON.stringify(r)}`);
			if (r.step === 'started') resolve(String(r.uploadId));
			if (r.step === 'error') reject(new Error(String(r.message)));
		};
	});
	const args = CHROMIUM_ARGS.filter((a) => !a.startsWith('--remote-debugging'));
	// --enable-logging=stderr: the service worker's console lines ("[ferry uploads] ...") tell
	// which events the browser granted and whether re-arming was accepted.
	const browser = spawn(
		chromiumPath(),
		[
			...args,
			'--enable-logging=stderr',
			`--user-data-dir=${profile}`,
			`${origin}/__measure#${hash}`
		],
		{ stdio: ['ignore', 'ignore', 'pipe'] }
	);
	const t0 = Date.now();
	let leftAt = 0;
	let chromiumLog = '';
	browser.stderr.on('data', (d: Buffer) => {
		chromiumLog += d.toString();
		const lines = chromiumLog.split('\n');
		chromiumLog = lines.pop() ?? '';
		for (const line of lines) {
			const at = /\[ferry uploads\] ([^"]*)/.exec(line);
			if (at) {
				const t = leftAt ? `${((Date.now() - leftAt) / 1000).toFixed(0)} s` : 'before leaving';
				console.log(`[service worker, ${t}] ${at[1]}`);
			}
		}
	});
	try {
		const uploadId = await Promise.race([
			started,
			new Promise<never>((_, reject) =>
				setTimeout(() => reject(new Error('page did not start the upload in 5 min')), 300_000)
			)
		]);
		leftAt = Date.now();
		console.log(
			`upload ${uploadId} started; page left for about:blank ${((leftAt - t0) / 1000).toFixed(0)} s after launch`
		);
		console.log('t (s since the tab left)\tstored MiB\tparts\tstate\tload avg');
		let last = { bytes: 0, state: '' };
		let doneAt: number | null = null;
		for (let t = 0; t <= MINUTES * 60_000; t += SAMPLE_MS) {
			await new Promise((r) => setTimeout(r, Math.max(0, leftAt + t - Date.now())));
			const res = await fetch(`${ferry.url}/api/uploads/${uploadId}`, {
				headers: { authorization: `Bearer ${token.body.token}` }
			});
			const body = (await res.json()) as {
				state?: string;
				size?: number;
				parts?: { size: number }[];
			};
			// A completed upload lists no parts any more: all of it is stored.
			const bytes =
				body.state === 'completed'
					? (body.size ?? 0)
					: (body.parts ?? []).reduce((s, p) => s + p.size, 0);
			last = { bytes, state: body.state ?? `HTTP ${res.status}` };
			console.log(
				`${(t / 1000).toFixed(0)}\t${(bytes / MiB).toFixed(0)}\t${body.parts?.length ?? 0}\t${last.state}\t${os.loadavg()[0]!.toFixed(2)}`
			);
			if (last.state !== 'uploading' && doneAt === null) {
				doneAt = t;
				break;
			}
		}
		console.log(
			doneAt !== null
				? `RESULT: upload left 'uploading' (${last.state}) ${(doneAt / 1000).toFixed(0)} s after the last tab left`
				: `RESULT: after ${MINUTES} min without a tab: ${(last.bytes / MiB).toFixed(0)} of ${(SIZE / MiB).toFixed(0)} MiB stored (${((100 * last.bytes) / SIZE).toFixed(1)} %)`
		);
	} finally {
		browser.kill('SIGTERM');
		await new Promise((r) => setTimeout(r, 1000));
		proxy.close();
		await ferry.stop();
		fs.rmSync(profile, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
	}
}

await main();
