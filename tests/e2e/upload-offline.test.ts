import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchBrowser } from '../helpers/browser';
import { MiB, bigFile, downloadSha256, removeBigFiles, roomFiles, signedInRoom, transferOf, until } from './upload-helpers';

const baseURL = inject('ferryUrl');

let browser: Browser;
beforeAll(async () => {
	browser = await launchBrowser();
});
afterAll(async () => {
	await browser?.close();
	removeBigFiles();
});

describe('going offline mid-upload', () => {
	it('waits for the network, then completes by itself', async () => {
		const context = await browser.newContext({ baseURL });
		try {
			const { client, roomId } = await signedInRoom(context, baseURL);
			const page = await context.newPage();
			await page.goto(`/rooms/${roomId}`);
			const file = bigFile(256 * MiB, 'offline.bin');
			await page.getByTestId('file-input').setInputFiles(file.path);
			const t = transferOf(page, file.name);
			await until(async () => (await t.percent()) >= 10, 120_000, 'progress past 10 %');

			await context.setOffline(true);
			await expect.poll(() => t.state.textContent(), { timeout: 15_000, interval: 100 }).toBe('Waiting for network');
			await expect.poll(() => t.item.getByTestId('transfer-hint').textContent()).toMatch(/continues by itself/);
			await page.waitForTimeout(3000);
			expect(await t.state.textContent()).toBe('Waiting for network');

			await context.setOffline(false);
			await expect.poll(() => t.state.textContent(), { timeout: 150_000, interval: 100 }).toBe('Done');
			const listed = (await roomFiles(client, roomId)).find((f) => f.name === file.name);
			expect(await downloadSha256(client, listed!.id)).toEqual({ sha256: file.sha256, bytes: 256 * MiB });
		} finally {
			await context.close();
		}
	});
});
