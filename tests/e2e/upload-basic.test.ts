import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchBrowser } from '../helpers/browser';
import { MiB, bigFile, countPartPuts, downloadSha256, removeBigFiles, roomFiles, signedInRoom, transferOf } from './upload-helpers';

const baseURL = inject('ferryUrl');

let browser: Browser;
beforeAll(async () => {
	browser = await launchBrowser();
});
afterAll(async () => {
	await browser?.close();
	removeBigFiles();
});

describe('browser upload engine in Chromium', () => {
	it('uploads a 64 MiB file chosen in the file input; it is listed and downloads byte for byte', async () => {
		const context = await browser.newContext({ baseURL });
		try {
			const { client, roomId } = await signedInRoom(context, baseURL);
			const puts = countPartPuts(context);
			const page = await context.newPage();
			await page.goto(`/rooms/${roomId}`);
			const file = bigFile(64 * MiB, 'sixty-four.bin');
			const started = Date.now();
			await page.getByTestId('file-input').setInputFiles(file.path);
			const t = transferOf(page, file.name);
			await expect.poll(() => t.state.textContent(), { timeout: 60_000, interval: 100 }).toBe('Done');
			const seconds = (Date.now() - started) / 1000;
			console.log(`64 MiB plain upload: ${seconds.toFixed(2)} s, ${(64 / seconds).toFixed(0)} MiB/s, ${puts.count()} part PUTs`);
			expect(await t.percent()).toBe(100);

			// The list refreshes by itself once the transfer is done.
			await expect.poll(() => page.getByTestId('file-name').allTextContents(), { timeout: 10_000 }).toContain(file.name);
			const listed = (await roomFiles(client, roomId)).find((f) => f.name === file.name);
			expect(listed?.size).toBe(64 * MiB);
			const downloaded = await downloadSha256(client, listed!.id);
			expect(downloaded).toEqual({ sha256: file.sha256, bytes: 64 * MiB });
		} finally {
			await context.close();
		}
	});

	it('uploads 512 MiB from the file input at a measured speed, byte for byte', async () => {
		const context = await browser.newContext({ baseURL });
		try {
			const { client, roomId } = await signedInRoom(context, baseURL);
			const puts = countPartPuts(context);
			const page = await context.newPage();
			await page.goto(`/rooms/${roomId}`);
			const file = bigFile(512 * MiB, 'five-twelve.bin');
			const started = Date.now();
			await page.getByTestId('file-input').setInputFiles(file.path);
			const t = transferOf(page, file.name);
			await expect.poll(() => t.state.textContent(), { timeout: 150_000, interval: 100 }).toBe('Done');
			const seconds = (Date.now() - started) / 1000;
			console.log(`512 MiB plain upload: ${seconds.toFixed(2)} s, ${(512 / seconds).toFixed(0)} MiB/s, ${puts.count()} part PUTs`);
			expect(puts.count()).toBe(32);
			const listed = (await roomFiles(client, roomId)).find((f) => f.name === file.name);
			expect(await downloadSha256(client, listed!.id)).toEqual({ sha256: file.sha256, bytes: 512 * MiB });
		} finally {
			await context.close();
		}
	});
});
