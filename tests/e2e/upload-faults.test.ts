import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchBrowser } from '../helpers/browser';
import { startFaultProxy, type FaultProxy, type PartAction, type PartPut } from '../helpers/fault-proxy';
import { startFerry, type FerryServer } from '../helpers/ferry-server';
import { MiB, bigFile, downloadSha256, removeBigFiles, roomFiles, signedInRoom, transferOf } from './upload-helpers';

// Each test runs its own Ferry server behind a fault-injecting proxy of ours: the server's ORIGIN
// is the proxy, so the page, its API calls and the signed local-disk part URLs all go through it.
const partykitHost = inject('partykitHost');
const roomSecret = inject('roomSecret');

let browser: Browser;
beforeAll(async () => {
	browser = await launchBrowser();
});
afterAll(async () => {
	await browser?.close();
	removeBigFiles();
});

async function ferryBehind(decide: (put: PartPut) => PartAction, env: Record<string, string> = {}): Promise<{ proxy: FaultProxy; server: FerryServer; stop: () => Promise<void> }> {
	const proxy = await startFaultProxy(decide);
	let server: FerryServer;
	try {
		server = await startFerry({
			ORIGIN: proxy.url,
			FERRY_ROOM_SECRET: roomSecret,
			FERRY_PARTYKIT_URL: `http://${partykitHost}`,
			FERRY_PARTYKIT_PUBLIC_HOST: partykitHost,
			...env
		});
	} catch (error) {
		await proxy.close();
		throw error;
	}
	proxy.setTarget(server.port);
	return {
		proxy,
		server,
		stop: async () => {
			await proxy.close();
			await server.stop();
		}
	};
}

/** Uploads `size` bytes through the room page at `baseURL`; returns the file's SHA-256 check. */
async function uploadThrough(baseURL: string, size: number, name: string, timeoutMs: number) {
	const context = await browser.newContext({ baseURL });
	try {
		const { client, roomId } = await signedInRoom(context, baseURL);
		const page = await context.newPage();
		await page.goto(`/rooms/${roomId}`);
		const file = bigFile(size, name);
		const started = Date.now();
		await page.getByTestId('file-input').setInputFiles(file.path);
		const t = transferOf(page, file.name);
		const states = new Set<string>();
		await expect
			.poll(
				async () => {
					const state = (await t.state.textContent()) ?? '';
					states.add(state);
					return state;
				},
				{ timeout: timeoutMs, interval: 200 }
			)
			.toMatch(/^(Done|Failed|Cancelled)$/);
		const final = await t.state.textContent();
		if (final !== 'Done') throw new Error(`transfer ended ${final}: ${await t.item.textContent()}`);
		const seconds = (Date.now() - started) / 1000;
		const listed = (await roomFiles(client, roomId)).find((f) => f.name === file.name);
		expect(listed?.size).toBe(size);
		const downloaded = await downloadSha256(client, listed!.id);
		expect(downloaded).toEqual({ sha256: file.sha256, bytes: size });
		return { seconds, states: [...states] };
	} finally {
		await context.close();
	}
}

describe('part PUT faults between the browser and storage', () => {
	it('completes a 256 MiB upload byte for byte while part PUTs are dropped, delayed or answered 500/503', async () => {
		// Deterministic: the 3rd, 6th, 9th, 12th and 15th part PUT each get one kind of fault, then
		// every 10th. With 16 parts that is 5 of ~21 attempts early on (each kind once), ~10 % later.
		const kinds: PartAction[] = [{ kind: 'drop' }, { kind: 'status-500' }, { kind: 'delay', delayMs: 3000 }, { kind: 'status-503' }, { kind: 'drop-after' }];
		let faults = 0;
		const { proxy, stop } = await ferryBehind(({ n }) => {
			const faulty = (n <= 15 && n % 3 === 0) || (n > 15 && n % 10 === 0);
			return faulty ? kinds[faults++ % kinds.length]! : { kind: 'pass' };
		});
		try {
			const { seconds, states } = await uploadThrough(proxy.url, 256 * MiB, 'faults.bin', 150_000);
			const injected = proxy.parts.filter((p) => p.action !== 'pass');
			console.log(
				`256 MiB through the fault proxy: ${seconds.toFixed(1)} s, ${proxy.parts.length} part PUTs, faults: ${injected.map((p) => `#${p.n} part ${p.partNumber} ${p.action}->${p.outcome}`).join(', ')}; states seen: ${states.join(' / ')}`
			);
			// Every kind of fault happened, and every part number was stored by some attempt.
			expect(new Set(injected.map((p) => p.action))).toEqual(new Set(kinds.map((k) => k.kind)));
			const stored = new Set(proxy.parts.filter((p) => p.outcome === 200 || p.action === 'drop-after').map((p) => p.partNumber));
			expect(stored.size).toBe(Math.max(...proxy.parts.map((p) => p.partNumber)));
			// Faulted parts were sent again.
			for (const f of injected.filter((p) => p.action !== 'delay')) {
				expect(proxy.parts.some((p) => p.partNumber === f.partNumber && p.n > f.n)).toBe(true);
			}
		} finally {
			await stop();
		}
	});

	it('re-signs part URLs that expired before storage saw them (FERRY_PART_URL_TTL_SECONDS=10, slow buffering proxy)', async () => {
		// The first PUT of parts 1 and 2 is read at 1 MiB/s and only then forwarded (a buffering
		// reverse proxy in front of a slow client): a 16 MiB part reaches storage ~16 s after it was
		// signed, past the 10 s TTL. Storage answers 403 url_expired; the engine must sign again.
		const { proxy, stop } = await ferryBehind(
			({ partNumber, previousAttempts }) => (partNumber <= 2 && previousAttempts === 0 ? { kind: 'buffer', bytesPerSecond: MiB } : { kind: 'pass' }),
			{ FERRY_PART_URL_TTL_SECONDS: '10' }
		);
		try {
			const { seconds } = await uploadThrough(proxy.url, 96 * MiB, 'expiring.bin', 150_000);
			const signs = proxy.requests.get('POST /api/uploads/:id/parts') ?? 0;
			const slow = proxy.parts.filter((p) => p.action === 'buffer');
			console.log(
				`96 MiB with 10 s part URLs: ${seconds.toFixed(1)} s, ${proxy.parts.length} part PUTs, ${signs} signing requests; slow first attempts: ${slow.map((p) => `part ${p.partNumber}->${p.outcome}`).join(', ')}`
			);
			expect(slow.length).toBe(2);
			for (const p of slow) {
				expect(p.outcome).toBe(403);
				expect(proxy.parts.some((q) => q.partNumber === p.partNumber && q.n > p.n && q.outcome === 200)).toBe(true);
			}
			expect(signs).toBeGreaterThan(1);
		} finally {
			await stop();
		}
	});
});
