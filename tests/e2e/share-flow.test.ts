import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
	launchBrowser,
	launchPersistent,
	makeProfileDir,
	removeProfileDir
} from '../helpers/browser';
import { MiB, signedInRoom, transferOf } from './upload-helpers';
import { OPFS_SAVE_PICKER, startHashServer } from '../helpers/saved-files';

const baseURL = inject('ferryUrl');
const dataDir = inject('ferryDataDir');
const logFile = inject('ferryLogFile');
const GiB = 1024 * MiB;
const PASSWORD = 'blue heron at dawn';
const TEXT_HEAD = 'Ferry share flow: these are the first words of a very large file.\n';

let browser: Browser;
let hasher: { url: string; close: () => void };
const cleanup: string[] = [];

beforeAll(async () => {
	browser = await launchBrowser();
	hasher = await startHashServer();
});
afterAll(async () => {
	await browser?.close();
	hasher?.close();
	for (const dir of cleanup) fs.rmSync(dir, { recursive: true, force: true });
});

/** A file on disk that starts with readable text (for the preview) and goes on with random bytes. */
function textHeadedFile(size: number, name: string): { path: string; sha256: string } {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ferry-share-flow-'));
	cleanup.push(dir);
	const file = path.join(dir, name);
	const fd = fs.openSync(file, 'w');
	const hash = createHash('sha256');
	// Longer than the preview's 64 KiB window, which must read as text.
	const head = Buffer.from(TEXT_HEAD.repeat(2000));
	hash.update(head);
	fs.writeSync(fd, head);
	for (let written = head.length; written < size;) {
		const bytes = randomBytes(Math.min(8 * MiB, size - written));
		hash.update(bytes);
		fs.writeSync(fd, bytes);
		written += bytes.length;
	}
	fs.closeSync(fd);
	return { path: file, sha256: hash.digest('hex') };
}

/**
 * Files under `dir` holding any of `needles`, read in 8 MiB chunks that overlap by the longest
 * needle, so stored objects of a gigabyte are searched without loading them whole.
 */
function filesContaining(dir: string | string[], needles: Buffer[]): string[] {
	const overlap = Math.max(...needles.map((n) => n.length)) - 1;
	const hits: string[] = [];
	const files = Array.isArray(dir)
		? dir.filter((f) => fs.existsSync(f))
		: fs
				.readdirSync(dir, { withFileTypes: true, recursive: true })
				.filter((e) => e.isFile())
				.map((e) => path.join(e.parentPath, e.name));
	const chunk = Buffer.alloc(8 * MiB + overlap);
	for (const full of files) {
		const fd = fs.openSync(full, 'r');
		try {
			let carried = 0;
			for (;;) {
				const read = fs.readSync(fd, chunk, carried, chunk.length - carried, null);
				const view = chunk.subarray(0, carried + read);
				if (needles.some((n) => view.includes(n))) {
					hits.push(full);
					break;
				}
				if (read === 0) break;
				carried = Math.min(overlap, view.length);
				view.copy(chunk, 0, view.length - carried);
			}
		} finally {
			fs.closeSync(fd);
		}
	}
	return hits;
}

describe('share flow in Chromium', () => {
	it('an encrypted 1 GiB file shared with a password and a limit of 2: previewed, downloaded and matching, refused on the third download and after revoke; the key and name stay off the server', async () => {
		const owner = await browser.newContext({ baseURL });
		const profile = makeProfileDir();
		const recipient = await launchPersistent(profile);
		try {
			// The owner uploads, encrypted in the browser.
			const { roomId } = await signedInRoom(owner, baseURL);
			const name = `Quarterly figures ${Date.now()}.txt`;
			const source = textHeadedFile(GiB, name);
			const page = await owner.newPage();
			await page.goto(`/rooms/${roomId}`);
			await page.getByTestId('encrypt-toggle').check();
			await page.getByTestId('file-input').setInputFiles(source.path);
			const transfer = transferOf(page, name);
			await expect
				.poll(() => transfer.state.textContent(), { timeout: 300_000, interval: 250 })
				.toBe('Done');
			const fileId = (await transfer.item.getAttribute('data-file-id'))!;

			// …and shares it through the dialog.
			const row = page.locator(`[data-testid="file"][data-file-id="${fileId}"]`);
			await expect.poll(() => row.getByTestId('file-name').textContent()).toBe(name);
			await row.getByTestId('file-share').click();
			const dialog = page.getByTestId('share-dialog');
			await dialog.getByTestId('share-password').fill(PASSWORD);
			await dialog.getByTestId('share-max-downloads').fill('2');
			await dialog.getByTestId('share-create').click();
			const link = await dialog.getByTestId('share-url').inputValue();
			expect(link).toMatch(/\/s\/[a-z2-7]{32}#k=[A-Za-z0-9_-]{43}$/);
			const fragment = link.split('#k=')[1]!;
			const token = link.split('/s/')[1]!.split('#')[0]!;
			await page.keyboard.press('Escape');

			// The recipient, with no account, opens the link: the name is read from the fragment's key.
			await recipient.addInitScript(OPFS_SAVE_PICKER);
			const r = recipient.pages()[0] ?? (await recipient.newPage());
			await r.goto(link);
			await expect.poll(() => r.getByTestId('share-file-name').textContent()).toBe(name);
			expect(await r.getByTestId('share-left').textContent()).toBe('2');

			// Without the password nothing starts; with it the file is saved and matches.
			await r.getByTestId('share-download').click();
			expect(await r.getByTestId('share-error').textContent()).toMatch(/password/i);
			await expect
				.poll(() => r.evaluate(() => navigator.serviceWorker.controller !== null), {
					timeout: 15_000
				})
				.toBe(true);
			await r.getByTestId('share-password').fill(PASSWORD);
			await r.getByTestId('share-download').click();

			// A limited link previews with the running download's grant (the page offers no preview
			// before one starts, so none is counted for it): the service worker decrypts the start.
			await r.getByTestId('share-preview-toggle').click();
			await expect
				.poll(() => r.getByTestId('preview-text').textContent(), { timeout: 30_000 })
				.toContain(TEXT_HEAD.trim());

			await r.getByTestId('share-done').waitFor({ timeout: 300_000 });
			const saved = await r.evaluate(
				async ({ fileName, target }) => {
					const root = await navigator.storage.getDirectory();
					const file = await (await root.getFileHandle(fileName)).getFile();
					const response = await fetch(target, { method: 'POST', body: file });
					return (await response.json()) as { sha256: string; bytes: number };
				},
				{ fileName: name, target: hasher.url }
			);
			expect(saved).toEqual({ sha256: source.sha256, bytes: GiB });

			// A second download uses up the link; the third is refused on the page, in words.
			const second = await fetch(`${baseURL}/api/s/${token}/download`, {
				method: 'POST',
				headers: { 'content-type': 'application/json' },
				body: JSON.stringify({ password: PASSWORD })
			});
			expect(second.status).toBe(200);
			await r.reload();
			await expect
				.poll(() => r.getByTestId('share-refusal').textContent())
				.toMatch(/used as many times as allowed/);

			// The owner's list says so; revoking it turns the page's refusal into "turned off".
			await page.reload();
			const shareRow = page.getByTestId('room-shares').getByTestId('share-row');
			await expect.poll(() => shareRow.getByTestId('share-state').textContent()).toBe('used up');
			expect(await shareRow.getByTestId('share-downloads').textContent()).toBe('2/2');
			await shareRow.getByTestId('share-revoke').click();
			await page.getByTestId('share-revoke-confirm').click();
			await expect.poll(() => shareRow.getByTestId('share-state').textContent()).toBe('revoked');
			await r.reload();
			await expect
				.poll(() => r.getByTestId('share-refusal').textContent())
				.toMatch(/turned the link off/);

			// Neither the key (raw or as in the link) nor the name is in SQLite, the stored objects
			// or the server's log; the scan does see the database (it finds the file id).
			const key = Buffer.from(fragment, 'base64url');
			expect(key.length).toBe(32);
			expect(filesContaining(dataDir, [Buffer.from(fileId)]).length).toBeGreaterThan(0);
			const secrets = [
				key,
				Buffer.from(fragment),
				Buffer.from(name),
				Buffer.from('Quarterly figures')
			];
			expect(filesContaining(dataDir, secrets)).toEqual([]);
			expect(filesContaining([logFile], secrets)).toEqual([]);
		} finally {
			await owner.close();
			await recipient.close();
			removeProfileDir(profile);
		}
	}, 900_000);
});
