// Uploads outlive what drives them: the service worker being stopped, the last tab closing,
// the whole browser closing. Playwright keeps service workers alive, so these check behaviour,
// not how long Chromium grants a worker without a tab (that is `npm run measure:background`).
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, describe, expect, inject, it } from 'vitest';
import type { ApiClient } from '../helpers/api-client';
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
	transferOf,
	until
} from './upload-helpers';

const baseURL = inject('ferryUrl');

afterAll(() => removeBigFiles());

/** The transfer this page's IndexedDB holds: its server upload and whether the File is kept. */
async function storedTransfer(page: Page): Promise<{ uploadId: string | null; kept: boolean }> {
	return page.evaluate(async () => {
		const db = await new Promise<IDBDatabase>((resolve, reject) => {
			const open = indexedDB.open('ferry');
			open.onsuccess = () => resolve(open.result);
			open.onerror = () => reject(open.error);
		});
		try {
			const rows = await new Promise<
				{ record: { uploadId: string } | null; source: { file?: File } }[]
			>((resolve, reject) => {
				const get = db.transaction('transfers').objectStore('transfers').getAll();
				get.onsuccess = () => resolve(get.result);
				get.onerror = () => reject(get.error);
			});
			const row = rows[0];
			return { uploadId: row?.record?.uploadId ?? null, kept: Boolean(row?.source.file) };
		} finally {
			db.close();
		}
	});
}

/** Bytes storage holds for an upload, from the server's own part list. */
async function storedBytes(client: ApiClient, uploadId: string): Promise<number> {
	const res = await client.json<{ state: string; size: number; parts: { size: number }[] }>(
		'GET',
		`/api/uploads/${uploadId}`
	);
	expect(res.status).toBe(200);
	// A completed upload lists no parts any more: all of it is stored.
	if (res.body.state === 'completed') return res.body.size;
	return res.body.parts.reduce((sum, part) => sum + part.size, 0);
}

async function expectStored(
	client: ApiClient,
	roomId: string,
	file: { name: string; sha256: string },
	size: number,
	timeoutMs: number
): Promise<void> {
	let listed: { id: string } | undefined;
	await until(
		async () => {
			listed = (await roomFiles(client, roomId)).find((f) => f.name === file.name);
			return listed !== undefined;
		},
		timeoutMs,
		`${file.name} in the room's files`
	);
	expect(await downloadSha256(client, listed!.id)).toEqual({ sha256: file.sha256, bytes: size });
}

async function startUpload(
	context: BrowserContext,
	roomId: string,
	file: { path: string }
): Promise<Page> {
	const page = context.pages()[0] ?? (await context.newPage());
	await page.goto(`${baseURL}/rooms/${roomId}`);
	// The app's service worker controls the page before the upload starts (clientsClaim).
	await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, {
		timeout: 30_000
	});
	await page.getByTestId('file-input').setInputFiles(file.path);
	return page;
}

describe('uploads without a tab to drive them (persistent Chromium profile)', () => {
	it('the browser stopping the service worker mid-upload does not stop the transfer', async () => {
		const profile = makeProfileDir();
		const context = await launchPersistent(profile);
		try {
			const { client, roomId } = await signedInRoom(context, baseURL);
			const file = bigFile(512 * MiB, 'sw-stopped.bin');
			const page = await startUpload(context, roomId, file);
			const t = transferOf(page, file.name);
			const cdp = await context.newCDPSession(page);
			await cdp.send('ServiceWorker.enable');
			// Stopped twice, as Chromium does to an idle worker; the page's upload worker goes on.
			for (const percent of [10, 40]) {
				await until(async () => (await t.percent()) >= percent, 120_000, `${percent} %`);
				await cdp.send('ServiceWorker.stopAllWorkers');
			}
			await expect
				.poll(() => t.state.textContent(), { timeout: 120_000, interval: 200 })
				.toBe('Done');
			await expectStored(client, roomId, file, 512 * MiB, 10_000);
			// The app still works offline-first afterwards: a navigation starts the worker again.
			await page.reload();
			await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, {
				timeout: 30_000
			});
		} finally {
			await context.close();
			removeProfileDir(profile);
		}
	});

	it('closing the last tab mid-upload: the service worker finishes the upload, and the room sees it live', async () => {
		const profile = makeProfileDir();
		const context = await launchPersistent(profile);
		// Someone else watching the room, in another browser.
		const watcherBrowser = await launchBrowser();
		try {
			const { client, roomId } = await signedInRoom(context, baseURL);
			const watcherContext = await watcherBrowser.newContext({ baseURL });
			await watcherContext.addCookies(await context.cookies(baseURL));
			const watcher = await watcherContext.newPage();
			await watcher.goto(`/rooms/${roomId}`);
			await expect
				.poll(() => watcher.getByTestId('live-status').textContent(), { timeout: 15_000 })
				.toBe('Live');

			const file = bigFile(1024 * MiB, 'last-tab-closed.bin');
			const page = await startUpload(context, roomId, file);
			// Closed once the upload exists and the browser kept its own copy of the File.
			let uploadId: string | null = null;
			await until(
				async () => {
					const stored = await storedTransfer(page);
					uploadId = stored.uploadId;
					return stored.uploadId !== null && stored.kept;
				},
				120_000,
				'the upload record and the kept File'
			);
			const atClose = await storedBytes(client, uploadId!);
			expect(atClose).toBeLessThan(1024 * MiB);
			await page.close();
			expect(context.pages()).toHaveLength(0);

			// The watcher's live card keeps moving with no uploader tab: the service worker reports.
			const livePercent = async (): Promise<number> => {
				const card = watcher
					.getByTestId('live-transfer')
					.filter({ has: watcher.getByText(file.name, { exact: true }) });
				if ((await card.count()) === 0) return -1;
				return Number(
					await card.getByTestId('live-transfer-progress').getAttribute('aria-valuenow')
				);
			};
			// The last value the tab sent may still arrive: take the card as it stands a moment later.
			await new Promise((resolve) => setTimeout(resolve, 500));
			const percentAtClose = await livePercent();
			const afterClose = new Set<number>();
			await until(
				async () => {
					const percent = await livePercent();
					if (percent > percentAtClose && percent < 100) afterClose.add(percent);
					return afterClose.size >= 2;
				},
				60_000,
				'live progress from the service worker'
			);

			// Storage keeps growing with no page open, and the upload completes and verifies.
			await until(
				async () => (await storedBytes(client, uploadId!)) > atClose,
				60_000,
				'parts stored after the tab closed'
			);
			await expectStored(client, roomId, file, 1024 * MiB, 240_000);
			// The watcher hears it finish: the live card goes and the file is listed.
			await watcher
				.getByTestId('file-name')
				.getByText(file.name, { exact: true })
				.waitFor({ timeout: 30_000 });
			await until(async () => (await livePercent()) === -1, 30_000, 'the live card to go');
			expect(context.pages()).toHaveLength(0);
		} finally {
			await watcherBrowser.close();
			await context.close();
			removeProfileDir(profile);
		}
	});

	it('a tab opened while the service worker uploads shows its progress and finishes the upload', async () => {
		const profile = makeProfileDir();
		const context = await launchPersistent(profile);
		try {
			const { client, roomId } = await signedInRoom(context, baseURL);
			const file = bigFile(1024 * MiB, 'tab-comes-back.bin');
			const first = await startUpload(context, roomId, file);
			let uploadId: string | null = null;
			await until(
				async () => {
					const stored = await storedTransfer(first);
					uploadId = stored.uploadId;
					return stored.uploadId !== null && stored.kept;
				},
				120_000,
				'the upload record and the kept File'
			);
			const atClose = await storedBytes(client, uploadId!);
			await first.close();
			await until(
				async () => (await storedBytes(client, uploadId!)) > atClose,
				60_000,
				'parts stored after the tab closed'
			);

			const again = await context.newPage();
			await again.goto(`${baseURL}/rooms/${roomId}`);
			const t = transferOf(again, file.name);
			// Shown with the progress made so far (IndexedDB, the service worker's broadcasts),
			// not from zero; then driven to the end by whichever holds the lock.
			await until(async () => (await t.percent()) > 0, 30_000, 'progress shown in the new tab');
			await expect
				.poll(() => t.state.textContent(), { timeout: 180_000, interval: 200 })
				.toBe('Done');
			await expectStored(client, roomId, file, 1024 * MiB, 10_000);
		} finally {
			await context.close();
			removeProfileDir(profile);
		}
	});

	it('closing the browser mid-upload: relaunched on the same profile, it resumes without picking the file', async () => {
		const profile = makeProfileDir();
		let context = await launchPersistent(profile);
		try {
			const { client, roomId } = await signedInRoom(context, baseURL);
			const file = bigFile(1024 * MiB, 'browser-closed.bin');
			// Parts wait a little before they go (a slow uplink), so the browser closes mid-upload
			// and not after a loopback upload already finished.
			await context.route('**/storage/local/**', async (route) => {
				await new Promise((r) => setTimeout(r, 1000));
				await route.continue();
			});
			const page = await startUpload(context, roomId, file);
			// Closed once the upload exists and the browser kept its own copy of the File.
			await until(
				async () => {
					const stored = await storedTransfer(page);
					return stored.uploadId !== null && stored.kept;
				},
				120_000,
				'the upload record and the kept File'
			);
			const { uploadId } = await storedTransfer(page);
			await context.close();
			const atClose = await storedBytes(client, uploadId!);
			expect(atClose).toBeLessThan(1024 * MiB);

			context = await launchPersistent(profile);
			const again = context.pages()[0] ?? (await context.newPage());
			await again.goto(`${baseURL}/rooms/${roomId}`);
			const resumed = transferOf(again, file.name);
			await expect
				.poll(() => resumed.state.textContent(), { timeout: 180_000, interval: 200 })
				.toBe('Done');
			await expectStored(client, roomId, file, 1024 * MiB, 10_000);
		} finally {
			await context.close();
			removeProfileDir(profile);
		}
	});
});
