import type { Page } from 'playwright-core';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { launchPersistent, makeProfileDir, removeProfileDir } from '../helpers/browser';
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

/**
 * Files chosen through Chromium's pickers (File System Access API) come with a handle: the
 * transfer keeps the handle instead of a copy of the file, and resumes from it after the
 * browser restarts. Playwright cannot answer the system picker, so the page's picker is
 * replaced by one that returns files of the origin-private file system (OPFS): real
 * FileSystemFileHandles, whose read permission the browser never withdraws. A file picked
 * from the person's own disk needs one permission click after a restart instead ("Allow
 * access to the file", room-transfers.svelte), which headless Chromium cannot show.
 */
const baseURL = inject('ferryUrl');

afterAll(() => removeBigFiles());

/** Copies a file from disk into OPFS at `path` (folders created), through a hidden input. */
async function toOpfs(page: Page, source: string, path: string): Promise<void> {
	await page.evaluate(() => {
		const input = document.createElement('input');
		input.type = 'file';
		input.id = 'opfs-source';
		input.hidden = true;
		document.body.append(input);
	});
	await page.locator('#opfs-source').setInputFiles(source);
	await page.evaluate(async (target) => {
		const input = document.getElementById('opfs-source') as HTMLInputElement;
		const parts = target.split('/');
		let dir = await navigator.storage.getDirectory();
		for (const name of parts.slice(0, -1))
			dir = await dir.getDirectoryHandle(name, { create: true });
		const handle = await dir.getFileHandle(parts.at(-1)!, { create: true });
		const writable = await handle.createWritable();
		await input.files![0]!.stream().pipeTo(writable);
		input.remove();
	}, path);
}

/** What the transfer keeps in IndexedDB to get its file back. */
function keptSource(page: Page, name: string) {
	return page.evaluate(
		(fileName) =>
			new Promise<{ handle: boolean; file: boolean } | null>((resolve, reject) => {
				const open = indexedDB.open('ferry');
				open.onerror = () => reject(open.error);
				open.onsuccess = () => {
					const all = open.result.transaction('transfers').objectStore('transfers').getAll();
					all.onsuccess = () => {
						const row = (
							all.result as { name: string; source: { handle?: unknown; file?: unknown } }[]
						).find((r) => r.name === fileName);
						open.result.close();
						resolve(
							row
								? { handle: row.source.handle !== undefined, file: row.source.file !== undefined }
								: null
						);
					};
				};
			}),
		name
	);
}

describe('uploads that keep a file handle (Chromium)', () => {
	it('a file chosen with the picker resumes from its handle after the browser restarts, with no copy and no re-pick', async () => {
		const profile = makeProfileDir();
		let context = await launchPersistent(profile);
		try {
			const { client, roomId } = await signedInRoom(context, baseURL);
			let page = context.pages()[0] ?? (await context.newPage());
			await page.goto(`${baseURL}/rooms/${roomId}`);
			const file = bigFile(384 * MiB, 'handle-kept.bin');
			await toOpfs(page, file.path, file.name);
			await page.evaluate((name) => {
				window.showOpenFilePicker = async () => [
					await (await navigator.storage.getDirectory()).getFileHandle(name)
				];
			}, file.name);

			await page.getByTestId('pick-files').click();
			const t = transferOf(page, file.name);
			await until(async () => (await t.percent()) >= 15, 120_000, 'progress past 15 %');
			// The handle is kept; the file itself is not copied into the profile.
			expect(await keptSource(page, file.name)).toEqual({ handle: true, file: false });
			const at = await t.percent();
			expect(at).toBeLessThan(90);
			expect(await roomFiles(client, roomId)).toEqual([]);

			// Close the whole browser mid-upload and start it again on the same profile.
			await context.close();
			context = await launchPersistent(profile);
			page = context.pages()[0] ?? (await context.newPage());
			const states: string[] = [];
			await page.exposeFunction('reportState', (s: string) => states.push(s));
			await page.goto(`${baseURL}/rooms/${roomId}`);
			await page.evaluate(() => {
				setInterval(() => {
					const s = document.querySelector('[data-testid=transfer-state]')?.textContent;
					if (s)
						void (window as unknown as { reportState: (s: string) => Promise<void> }).reportState(
							s
						);
				}, 50);
			});
			// Whoever drives it after the restart (this tab's worker, or the service worker woken
			// by the browser's Background Sync retry), the file comes from the kept handle.
			await expect
				.poll(async () => (await roomFiles(client, roomId)).map((f) => f.name), {
					timeout: 150_000,
					interval: 250
				})
				.toEqual([file.name]);
			expect(states).not.toContain('Waiting for the file');

			const listed = (await roomFiles(client, roomId)).find((f) => f.name === file.name);
			expect(await downloadSha256(client, listed!.id)).toEqual({
				sha256: file.sha256,
				bytes: 384 * MiB
			});
		} finally {
			await context.close();
			removeProfileDir(profile);
		}
	});

	it('"Send a folder" uploads every file under the chosen folder, nested ones too', async () => {
		const profile = makeProfileDir();
		const context = await launchPersistent(profile);
		try {
			const { client, roomId } = await signedInRoom(context, baseURL);
			const page = context.pages()[0] ?? (await context.newPage());
			await page.goto(`${baseURL}/rooms/${roomId}`);
			const top = bigFile(3 * MiB, 'top.bin');
			const nested = bigFile(5 * MiB + 7, 'nested.bin');
			await toOpfs(page, top.path, `album/${top.name}`);
			await toOpfs(page, nested.path, `album/inner/deeper/${nested.name}`);
			await page.evaluate(() => {
				window.showDirectoryPicker = async () =>
					(await navigator.storage.getDirectory()).getDirectoryHandle('album');
			});

			await page.getByTestId('pick-folder').click();
			for (const f of [top, nested]) {
				await expect
					.poll(() => transferOf(page, f.name).state.textContent(), { timeout: 60_000 })
					.toBe('Done');
			}
			const listed = await roomFiles(client, roomId);
			expect(listed.map((f) => f.name).sort()).toEqual(['nested.bin', 'top.bin']);
			for (const f of [top, nested]) {
				const stored = listed.find((l) => l.name === f.name)!;
				expect((await downloadSha256(client, stored.id)).sha256).toBe(f.sha256);
			}
		} finally {
			await context.close();
			removeProfileDir(profile);
		}
	});
});
