import fs from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { OPFS_SAVE_PICKER } from '../helpers/saved-files';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchBrowser, uniqueEmail } from '../helpers/browser';
import { newUser } from '../helpers/api-client';
import { MiB, bigFile, removeBigFiles, roomFiles, transferOf } from './upload-helpers';

const baseURL = inject('ferryUrl');
const dataDir = inject('ferryDataDir');
const logFile = inject('ferryLogFile');

let browser: Browser;
beforeAll(async () => {
	browser = await launchBrowser();
});
afterAll(async () => {
	await browser?.close();
	removeBigFiles();
});

/** Every request the context makes (page, workers), as URL, headers and body, to look for secrets in. */
function recordRequests(context: BrowserContext): string[] {
	const seen: string[] = [];
	context.on('request', (request) => {
		seen.push(
			`${request.url()}\n${JSON.stringify(request.headers())}\n${request.postData() ?? ''}`
		);
	});
	return seen;
}

/** Files under the server's data folder (SQLite with its WAL, stored objects) that contain `needle`. */
function dataFilesContaining(needle: Uint8Array): string[] {
	const hits: string[] = [];
	for (const entry of fs.readdirSync(dataDir, { withFileTypes: true, recursive: true })) {
		if (!entry.isFile()) continue;
		const full = path.join(entry.parentPath, entry.name);
		if (fs.readFileSync(full).includes(Buffer.from(needle))) hits.push(full);
	}
	return hits;
}

async function signUp(page: Page, name: string): Promise<void> {
	await page.getByTestId('signup-name').fill(name);
	await page.getByTestId('signup-email').fill(uniqueEmail(name.toLowerCase()));
	await page.getByTestId('signup-password').fill('correct horse battery staple');
	await page.getByTestId('signup-submit').click();
	await page.waitForURL((url) => url.pathname !== '/signup');
}

describe('end-to-end encrypted room in Chromium', () => {
	it('A uploads into an E2EE room; B joins by the link, reads the real name and decrypts the file; the server keeps neither name nor key', async () => {
		const alice = await browser.newContext({ baseURL });
		const bob = await browser.newContext({ baseURL, acceptDownloads: true });
		const carol = await browser.newContext({ baseURL });
		const aliceRequests = recordRequests(alice);
		const bobRequests = recordRequests(bob);
		try {
			// A creates the room in the UI; the key is made in her browser.
			const { client } = await newUser(baseURL, 'Alice');
			await alice.addCookies([
				{ name: 'ferry_session', value: client.cookie('ferry_session')!, url: baseURL }
			]);
			const a = await alice.newPage();
			// What A's page tells the live room (PartyKit): progress cards, never the real name.
			const sentToRoom: string[] = [];
			a.on('websocket', (ws) =>
				ws.on('framesent', (frame) => sentToRoom.push(String(frame.payload)))
			);
			await a.goto('/');
			await a.getByTestId('room-name-input').fill('Board');
			await a.getByTestId('room-e2ee').check();
			await a.getByTestId('create-room').click();
			await a.waitForURL('**/rooms/**');
			const roomPath = new URL(a.url()).pathname;
			const roomId = roomPath.split('/').pop()!;
			await a.getByTestId('room-e2ee-badge').waitFor();

			// Uploads are forced encrypted, and the page says why.
			const toggle = a.getByTestId('encrypt-toggle');
			expect(await toggle.isChecked()).toBe(true);
			expect(await toggle.isDisabled()).toBe(true);
			expect(await a.getByTestId('encrypt-note').textContent()).toMatch(/end-to-end encrypted/);

			const name = `Board minutes ${Date.now()}.pdf`;
			const file = bigFile(3 * MiB + 123, name);
			await a.getByTestId('file-input').setInputFiles(file.path);
			const t = transferOf(a, name);
			await expect
				.poll(() => t.state.textContent(), { timeout: 60_000, interval: 100 })
				.toBe('Done');
			const fileId = (await t.item.getAttribute('data-file-id'))!;

			await expect
				.poll(() => sentToRoom.some((f) => f.includes('file-upload-started')), { timeout: 10_000 })
				.toBe(true);
			expect(sentToRoom.filter((f) => f.includes('minutes'))).toEqual([]);

			// The upload worker's create call is seen, and no request of A's carried the name.
			expect(aliceRequests.filter((r) => r.startsWith(`${baseURL}/api/uploads\n`)).length).toBe(1);
			expect(aliceRequests.filter((r) => r.includes('minutes'))).toEqual([]);

			// The server lists a placeholder; A's page shows the real name, decrypted there.
			const listed = (await roomFiles(client, roomId)).find((f) => f.id === fileId)!;
			expect(listed.name).toBe('encrypted');
			expect(JSON.stringify(listed)).not.toContain('minutes');
			const aRow = a.locator(`[data-testid="file"][data-file-id="${fileId}"]`);
			await expect
				.poll(() => aRow.getByTestId('file-name').textContent(), { timeout: 10_000 })
				.toBe(name);

			// The invite link carries the room key in its fragment.
			await a.getByTestId('create-invite').click();
			await a.getByTestId('invite-url').waitFor();
			const inviteUrl = await a.getByTestId('invite-url').inputValue();
			expect(inviteUrl).toMatch(new RegExp(`^${baseURL}/invite/[a-z0-9]+#rk=[A-Za-z0-9_-]{43}$`));
			const fragmentKey = inviteUrl.split('#rk=')[1]!;

			// B opens it signed out, signs up (the detour keeps only the path), joins.
			const b = await bob.newPage();
			await b.goto(inviteUrl);
			await b.getByTestId('invite-e2ee').waitFor();
			await b.getByTestId('invite-signup').click();
			await b.waitForURL('**/signup?**');
			await signUp(b, 'Bob');
			await b.getByTestId('invite-join').click();
			await b.waitForURL(`**${roomPath}`);
			const bRow = b.locator(`[data-testid="file"][data-file-id="${fileId}"]`);
			await expect
				.poll(() => bRow.getByTestId('file-name').textContent(), { timeout: 10_000 })
				.toBe(name);
			expect(await b.getByTestId('room-key-missing').count()).toBe(0);

			// B decrypts it in the browser with the unwrapped file key, through the download engine
			// into the file the save picker gives (answered here with an origin-private file).
			await b.evaluate(OPFS_SAVE_PICKER);
			await bRow.getByTestId('file-download-decrypted').click();
			await expect
				.poll(() => bRow.getByTestId('file-download-progress').textContent(), { timeout: 60_000 })
				.toBe('Saved');
			const sha256 = await b.evaluate(async (savedName) => {
				const saved = await (
					await (await navigator.storage.getDirectory()).getFileHandle(savedName)
				).getFile();
				const digest = await crypto.subtle.digest('SHA-256', await saved.arrayBuffer());
				return [...new Uint8Array(digest)].map((x) => x.toString(16).padStart(2, '0')).join('');
			}, name);
			expect(sha256).toBe(file.sha256);

			// No request B's browser made (page loads, API calls, workers) carried the room key.
			expect(bobRequests.length).toBeGreaterThan(5);
			expect(bobRequests.filter((r) => r.includes(fragmentKey))).toEqual([]);

			// C gets the link without its fragment: a clear message, not broken names.
			const c = await carol.newPage();
			await c.goto(inviteUrl.split('#')[0]!);
			await c.getByTestId('invite-key-missing').waitFor();
			await c.getByTestId('invite-signup').click();
			await c.waitForURL('**/signup?**');
			await signUp(c, 'Carol');
			await c.getByTestId('invite-join').click();
			await c.waitForURL(`**${roomPath}`);
			expect(await c.getByTestId('room-key-missing').textContent()).toMatch(/new invite link/);
			const cRow = c.locator(`[data-testid="file"][data-file-id="${fileId}"]`);
			await expect
				.poll(() => cRow.getByTestId('file-name').textContent(), { timeout: 10_000 })
				.toBe('Encrypted file');

			// Without the key C cannot send either: the page says why, and nothing is uploaded.
			await c.getByTestId('file-input').setInputFiles(bigFile(1000, 'from-carol.txt').path);
			await c.getByTestId('error-banner').waitFor();
			expect(await c.getByTestId('error-banner').textContent()).toMatch(
				/room key.*new invite link/
			);
			expect(await c.getByTestId('transfer').count()).toBe(0);

			// The server's disk: neither the name nor the room key (raw or as in the link).
			expect(dataFilesContaining(Buffer.from(fileId)).length).toBeGreaterThan(0); // the scan does see the database
			const roomKey = Buffer.from(fragmentKey, 'base64url');
			expect(roomKey.length).toBe(32);
			expect(dataFilesContaining(Buffer.from('Board minutes'))).toEqual([]);
			expect(dataFilesContaining(Buffer.from(fragmentKey))).toEqual([]);
			expect(dataFilesContaining(roomKey)).toEqual([]);
			// Nor the server's log (an absent log means the server printed nothing at all).
			const logged = fs.existsSync(logFile) ? fs.readFileSync(logFile) : Buffer.alloc(0);
			expect(logged.includes('Board minutes')).toBe(false);
			expect(logged.includes(fragmentKey)).toBe(false);
		} finally {
			await alice.close();
			await bob.close();
			await carol.close();
		}
	});

	it('a browser with the version 1 database keeps its transfers and gains the roomKeys store', async () => {
		const context = await browser.newContext({ baseURL });
		try {
			const page = await context.newPage();
			await page.goto('/login');
			// The schema as version 1 made it, holding one transfer of another room.
			await page.evaluate(async () => {
				const db = await new Promise<IDBDatabase>((resolve, reject) => {
					const open = indexedDB.open('ferry', 1);
					open.onupgradeneeded = () => {
						const d = open.result;
						d.createObjectStore('transfers', { keyPath: 'transferId' }).createIndex(
							'roomId',
							'roomId'
						);
						d.createObjectStore('parts', { keyPath: ['transferId', 'partNumber'] }).createIndex(
							'transferId',
							'transferId'
						);
						d.createObjectStore('fileKeys', { keyPath: 'transferId' }).createIndex(
							'fileId',
							'fileId'
						);
					};
					open.onsuccess = () => resolve(open.result);
					open.onerror = () => reject(open.error);
				});
				await new Promise<void>((resolve, reject) => {
					const tx = db.transaction('transfers', 'readwrite');
					tx.objectStore('transfers').put({
						transferId: 'old-1',
						roomId: 'elsewhere',
						name: 'kept.bin'
					});
					tx.oncomplete = () => resolve();
					tx.onerror = () => reject(tx.error);
				});
				db.close();
			});
			// Creating an E2EE room opens the database at the current version and stores the key.
			const { client } = await newUser(baseURL, 'Upgrader');
			await context.addCookies([
				{ name: 'ferry_session', value: client.cookie('ferry_session')!, url: baseURL }
			]);
			await page.goto('/');
			await page.getByTestId('room-name-input').fill('After upgrade');
			await page.getByTestId('room-e2ee').check();
			await page.getByTestId('create-room').click();
			await page.waitForURL('**/rooms/**');
			const roomId = new URL(page.url()).pathname.split('/').pop()!;
			const after = await page.evaluate(async (id) => {
				const db = await new Promise<IDBDatabase>((resolve, reject) => {
					const open = indexedDB.open('ferry');
					open.onsuccess = () => resolve(open.result);
					open.onerror = () => reject(open.error);
				});
				const get = <T>(store: string, key: string) =>
					new Promise<T | undefined>((resolve, reject) => {
						const req = db.transaction(store).objectStore(store).get(key);
						req.onsuccess = () => resolve(req.result as T | undefined);
						req.onerror = () => reject(req.error);
					});
				const old = await get<{ name: string }>('transfers', 'old-1');
				const key = await get<{ key: Uint8Array }>('roomKeys', id);
				const result = {
					version: db.version,
					stores: [...db.objectStoreNames],
					kept: old?.name,
					keyBytes: key?.key.length
				};
				db.close();
				return result;
			}, roomId);
			expect(after).toEqual({
				version: 3,
				stores: ['downloadRanges', 'downloads', 'fileKeys', 'parts', 'roomKeys', 'transfers'],
				kept: 'kept.bin',
				keyBytes: 32
			});
		} finally {
			await context.close();
		}
	});
});
