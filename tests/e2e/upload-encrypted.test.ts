import { createHash } from 'node:crypto';
import fs from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
	ciphertextSize,
	createDecryptStream,
	importFileKey,
	parseHeader
} from '../../src/lib/core/crypto';
import { launchBrowser } from '../helpers/browser';
import {
	MiB,
	bigFile,
	downloadSha256,
	removeBigFiles,
	roomFiles,
	signedInRoom,
	transferOf
} from './upload-helpers';

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
	it('uploads 1 GiB encrypted through the room page; the stored ciphertext decrypts to the same bytes with the key kept in IndexedDB', async () => {
		const context = await browser.newContext({ baseURL, acceptDownloads: true });
		try {
			const { client, roomId } = await signedInRoom(context, baseURL);
			const page = await context.newPage();
			await page.goto(`/rooms/${roomId}`);
			await page.getByTestId('encrypt-toggle').check();
			await expect
				.poll(() => page.getByTestId('encrypt-note').textContent())
				.toMatch(/key stays only in\s+this browser/);
			const SIZE = 1024 * MiB;
			const file = bigFile(SIZE, 'secret.bin');
			const started = Date.now();
			await page.getByTestId('file-input').setInputFiles(file.path);
			const t = transferOf(page, file.name);
			await expect
				.poll(() => t.state.textContent(), { timeout: 240_000, interval: 100 })
				.toBe('Done');
			console.log(`1 GiB encrypted upload: ${((Date.now() - started) / 1000).toFixed(2)} s`);
			const fileId = await t.item.getAttribute('data-file-id');
			expect(fileId).toBeTruthy();

			const listed = (await roomFiles(client, roomId)).find((f) => f.id === fileId)!;
			const header = parseHeader(listed.encryption?.header);
			expect(header.plaintextSize).toBe(SIZE);
			expect(listed.size).toBe(ciphertextSize(SIZE, header.recordSize));

			const saved = await page.evaluate(async (id) => {
				const db = await new Promise<IDBDatabase>((resolve, reject) => {
					const open = indexedDB.open('ferry');
					open.onsuccess = () => resolve(open.result);
					open.onerror = () => reject(open.error);
				});
				const row = await new Promise<{ key: Uint8Array; header: unknown } | undefined>(
					(resolve, reject) => {
						const get = db.transaction('fileKeys').objectStore('fileKeys').index('fileId').get(id);
						get.onsuccess = () =>
							resolve(get.result as { key: Uint8Array; header: unknown } | undefined);
						get.onerror = () => reject(get.error);
					}
				);
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
			expect(plain).toEqual({ sha256: file.sha256, bytes: SIZE });
		} finally {
			await context.close();
		}
	}, 420_000);

	it('"Download and decrypt" in the room list gives back the original file', async () => {
		const context = await browser.newContext({ baseURL, acceptDownloads: true });
		try {
			const { roomId } = await signedInRoom(context, baseURL);
			const page = await context.newPage();
			await page.goto(`/rooms/${roomId}`);
			await page.getByTestId('encrypt-toggle').check();
			const file = bigFile(64 * MiB, 'small-secret.bin');
			await page.getByTestId('file-input').setInputFiles(file.path);
			await expect
				.poll(() => transferOf(page, file.name).state.textContent(), { timeout: 90_000 })
				.toBe('Done');
			// The list's "Download and decrypt" decrypts in the browser.
			await expect
				.poll(() => page.getByTestId('file-encrypted').count(), { timeout: 10_000 })
				.toBe(1);
			const [download] = await Promise.all([
				page.waitForEvent('download', { timeout: 180_000 }),
				page.getByTestId('file-download-decrypted').click()
			]);
			const saveTo = `${file.path}.decrypted`;
			await download.saveAs(saveTo);
			const hash = createHash('sha256');
			for await (const chunk of fs.createReadStream(saveTo)) hash.update(chunk as Buffer);
			const decrypted = hash.digest('hex');
			fs.rmSync(saveTo);
			expect(download.suggestedFilename()).toBe(file.name);
			expect(decrypted).toBe(file.sha256);
		} finally {
			await context.close();
		}
	});
});
