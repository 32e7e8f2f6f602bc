import fs from 'node:fs';
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

describe('the file becomes unreadable mid-upload', () => {
	it('waits for the file; picking the same file again continues, another file is refused', async () => {
		const context = await browser.newContext({ baseURL });
		try {
			const { client, roomId } = await signedInRoom(context, baseURL);
			const page = await context.newPage();
			await page.goto(`/rooms/${roomId}`);
			const file = bigFile(256 * MiB, 'touched.bin');
			const original = fs.statSync(file.path);
			await page.getByTestId('file-input').setInputFiles(file.path);
			const t = transferOf(page, file.name);
			await until(async () => (await t.percent()) >= 10, 60_000, 'progress past 10 %');

			// A changed modification time makes Chromium refuse to read the picked File.
			fs.utimesSync(file.path, original.atime, new Date(original.mtimeMs + 60_000));
			await expect.poll(() => t.state.textContent(), { timeout: 30_000, interval: 100 }).toBe('Waiting for the file');

			// The changed file is not the one being uploaded.
			let chooser = page.waitForEvent('filechooser');
			await t.item.getByTestId('transfer-repick').click();
			await (await chooser).setFiles(file.path);
			await expect.poll(() => page.getByTestId('error-banner').textContent(), { timeout: 10_000 }).toMatch(/not the same file/);
			expect(await t.state.textContent()).toBe('Waiting for the file');

			// Put the date back: now it is the same file again, and the upload continues.
			fs.utimesSync(file.path, original.atime, original.mtime);
			chooser = page.waitForEvent('filechooser');
			await t.item.getByTestId('transfer-repick').click();
			await (await chooser).setFiles(file.path);
			await expect.poll(() => t.state.textContent(), { timeout: 90_000, interval: 100 }).toBe('Done');
			const listed = (await roomFiles(client, roomId)).find((f) => f.name === file.name);
			expect(await downloadSha256(client, listed!.id)).toEqual({ sha256: file.sha256, bytes: 256 * MiB });
		} finally {
			await context.close();
		}
	});
});
