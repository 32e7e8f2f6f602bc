import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchBrowser } from '../helpers/browser';
import { MiB, bigFile, countPartPuts, removeBigFiles, signedInRoom, transferOf, until } from './upload-helpers';

const baseURL = inject('ferryUrl');

let browser: Browser;
beforeAll(async () => {
	browser = await launchBrowser();
});
afterAll(async () => {
	await browser?.close();
	removeBigFiles();
});

describe('two tabs of the same room', () => {
	it('one tab drives the upload (Web Lock); the other shows its progress (BroadcastChannel)', async () => {
		const context = await browser.newContext({ baseURL });
		try {
			const { roomId } = await signedInRoom(context, baseURL);
			const puts = countPartPuts(context);
			const a = await context.newPage();
			await a.goto(`/rooms/${roomId}`);
			const file = bigFile(256 * MiB, 'two-tabs.bin');
			await a.getByTestId('file-input').setInputFiles(file.path);
			const inA = transferOf(a, file.name);
			await until(async () => (await inA.percent()) >= 5, 60_000, 'progress in tab A');

			const b = await context.newPage();
			await b.goto(`/rooms/${roomId}`);
			const inB = transferOf(b, file.name);
			await expect.poll(() => inB.state.textContent(), { timeout: 15_000 }).toBe('Uploading in another tab');
			await until(async () => (await inB.percent()) >= 50, 60_000, 'progress shown in tab B');
			expect(await inB.item.getByTestId('transfer-pause').count()).toBe(0);

			await expect.poll(() => inA.state.textContent(), { timeout: 60_000, interval: 100 }).toBe('Done');
			await expect.poll(() => inB.state.textContent(), { timeout: 10_000 }).toBe('Done');
			// Tab B never sent a part: 16 parts of 16 MiB, each once.
			expect(puts.count()).toBe(16);
		} finally {
			await context.close();
		}
	});
});
