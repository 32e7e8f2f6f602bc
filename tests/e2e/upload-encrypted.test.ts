import { createHash } from 'node:crypto';
import fs from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { OPFS_SAVE_PICKER, startHashServer } from '../helpers/saved-files';
import {
	ciphertextSize,
	createDecryptStream,
	importFileKey,
	parseHeader
} from '../../src/lib/core/crypto';
import {
	launchBrowser,
	launchPersistent,
	makeProfileDir,
	removeProfileDir
} from '../helpers/browser';
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
	it('uploads 1 GiB encrypted through the room page; the stored ciphertext decrypts to the same bytes in Node and through the room list\'s "Download and decrypt"', async () => {
		// A profile on disk, like a real user's: an off-the-record context's quota is too small
		// to save a 1 GiB file into the origin-private file system.
		const profile = makeProfileDir();
		const context = await launchPersistent(profile);
		try {
			const { client, roomId } = await signedInRoom(context, baseURL);
			const page = context.pages()[0] ?? (await context.newPage());
			await page.goto(`${baseURL}/rooms/${roomId}`);
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
			// Sealed parts went through this worker's spool folder in OPFS, and none is left behind
			// taking the person's disk (each is deleted once its PUT is over; the delete may trail
			// the last part's confirmation by a moment).
			const spooled = () =>
				page.evaluate(async () => {
					const root = await navigator.storage.getDirectory();
					const spools = await root.getDirectoryHandle('ferry-parts');
					let folders = 0;
					let files = 0;
					for await (const folder of spools.values()) {
						folders++;
						if (folder.kind === 'directory') for await (const _ of folder.keys()) files++;
					}
					return { folders, files };
				});
			await expect.poll(spooled).toEqual({ folders: 1, files: 0 });
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

			// "Download and decrypt" in the room: the download engine decrypts in a worker and writes
			// into the file the save picker gives (here a file in the origin-private file system,
			// sent to a hashing server as a File body so the gigabyte streams from disk).
			await page.evaluate(OPFS_SAVE_PICKER);
			const row = page
				.getByTestId('file')
				.filter({ has: page.getByTestId('file-download-decrypted') });
			await row.getByTestId('file-download-decrypted').click();
			await expect
				.poll(() => row.getByTestId('file-download-progress').textContent(), { timeout: 240_000 })
				.toBe('Saved');
			const hasher = await startHashServer();
			try {
				const inBrowser = await page.evaluate(
					async ({ name, url }) => {
						const saved = await (
							await (await navigator.storage.getDirectory()).getFileHandle(name)
						).getFile();
						return (await (await fetch(url, { method: 'POST', body: saved })).json()) as unknown;
					},
					{ name: file.name, url: hasher.url }
				);
				expect(inBrowser).toEqual({ sha256: file.sha256, bytes: SIZE });
			} finally {
				hasher.close();
			}
		} finally {
			await context.close();
			removeProfileDir(profile);
		}
	}, 420_000);

	it('without a save picker (Firefox, Safari), "Download and decrypt" hands the decrypted file to the browser', async () => {
		const context = await browser.newContext({ baseURL, acceptDownloads: true });
		try {
			await context.addInitScript(() => {
				delete (window as unknown as { showSaveFilePicker?: unknown }).showSaveFilePicker;
			});
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
