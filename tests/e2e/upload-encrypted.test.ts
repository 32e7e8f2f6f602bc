import { createHash } from 'node:crypto';
import fs from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ciphertextSize, createDecryptStream, importFileKey, parseHeader } from '../../src/lib/core/crypto';
import { launchBrowser } from '../helpers/browser';
import { MiB, bigFile, downloadSha256, removeBigFiles, roomFiles, signedInRoom, transferOf } from './upload-helpers';

const baseURL = inject('ferryUrl');

let browser: Browser;
beforeAll(async () => {
	browser = await launchBrowser();
});
afterAll(async () => {
	await browser?.close();
	removeBigFiles();
});

describe('end-to-end encrypted upload', () => {
	it('uploads 64 MiB encrypted; the ciphertext decrypts with the key kept in IndexedDB', async () => {
		const context = await browser.newContext({ baseURL, acceptDownloads: true });
		try {
			const { client, roomId } = await signedInRoom(context, baseURL);
			const page = await context.newPage();
			await page.goto(`/rooms/${roomId}`);
			await page.getByTestId('encrypt-toggle').check();
			await expect.poll(() => page.getByTestId('encrypt-note').textContent()).toMatch(/key stays only in\s+this browser/);
			const file = bigFile(64 * MiB, 'secret.bin');
			const started = Date.now();
			await page.getByTestId('file-input').setInputFiles(file.path);
			const t = transferOf(page, file.name);
			await expect.poll(() => t.state.textContent(), { timeout: 90_000, interval: 100 }).toBe('Done');
			console.log(`64 MiB encrypted upload: ${((Date.now() - started) / 1000).toFixed(2)} s`);
			const fileId = await t.item.getAttribute('data-file-id');
			expect(fileId).toBeTruthy();

			const listed = (await roomFiles(client, roomId)).find((f) => f.id === fileId)!;
			const header = parseHeader(listed.encryption?.header);
			expect(header.plaintextSize).toBe(64 * MiB);
			expect(listed.size).toBe(ciphertextSize(64 * MiB, header.recordSize));

			const saved = await page.evaluate(async (id) => {
				const db = await new Promise<IDBDatabase>((resolve, reject) => {
					const open = indexedDB.open('ferry');
					open.onsuccess = () => resolve(open.result);
					open.onerror = () => reject(open.error);
				});
				const row = await new Promise<{ key: Uint8Array; header: unknown } | undefined>((resolve, reject) => {
					const get = db.transaction('fileKeys').objectStore('fileKeys').index('fileId').get(id);
					get.onsuccess = () => resolve(get.result as { key: Uint8Array; header: unknown } | undefined);
					get.onerror = () => reject(get.error);
				});
				db.close();
				return row && { key: Array.from(row.key), header: row.header };
			}, fileId!);
			expect(saved?.key).toHaveLength(32);
			expect(saved?.header).toEqual(header);

			const ciphertext = await downloadSha256(client, fileId!);
			expect(ciphertext.bytes).toBe(listed.size);
			expect(ciphertext.sha256).not.toBe(file.sha256);
			const key = await importFileKey(new Uint8Array(saved!.key));
			const plain = await downloadSha256(client, fileId!, createDecryptStream(key, header));
			expect(plain).toEqual({ sha256: file.sha256, bytes: 64 * MiB });

			// Stretch: the list's "Download and decrypt" decrypts in the browser.
			await expect.poll(() => page.getByTestId('file-encrypted').count(), { timeout: 10_000 }).toBe(1);
			const [download] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), page.getByTestId('file-download-decrypted').click()]);
			const saveTo = `${file.path}.decrypted`;
			await download.saveAs(saveTo);
			const decrypted = createHash('sha256').update(fs.readFileSync(saveTo)).digest('hex');
			fs.rmSync(saveTo);
			expect(download.suggestedFilename()).toBe(file.name);
			expect(decrypted).toBe(file.sha256);
		} finally {
			await context.close();
		}
	});
});
