/**
 * Live rooms in Chromium, against the real Ferry server and a real `partykit dev`: one person
 * uploads, another watches the upload move and the file appear without reloading.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchBrowser } from '../helpers/browser';
import { newUser, type ApiClient } from '../helpers/api-client';
import { MiB, bigFile, removeBigFiles, transferOf } from './upload-helpers';

const baseURL = inject('ferryUrl');

let browser: Browser;
beforeAll(async () => {
	browser = await launchBrowser();
});
afterAll(async () => {
	await browser?.close();
	removeBigFiles();
});

async function signIn(context: BrowserContext, client: ApiClient): Promise<void> {
	const session = client.cookie('ferry_session');
	expect(session).toBeTruthy();
	await context.addCookies([{ name: 'ferry_session', value: session!, url: baseURL }]);
}

/** Two people in one room: the owner (uploader) and an invited member (watcher). */
async function twoPeople(names: [string, string]) {
	const owner = await newUser(baseURL, names[0]);
	const room = await owner.client.json<{ id: string }>('POST', '/api/rooms', { name: 'Live room' });
	expect(room.status).toBe(201);
	const watcher = await newUser(baseURL, names[1]);
	const invite = await owner.client.json<{ token: string }>('POST', `/api/rooms/${room.body.id}/invites`, { role: 'member' });
	expect(invite.status).toBe(201);
	expect((await watcher.client.post(`/api/invites/${invite.body.token}/accept`)).ok).toBe(true);
	return { owner, watcher, roomId: room.body.id };
}

const liveStatus = (page: Page) => page.getByTestId('live-status').textContent();
const presence = (page: Page) => page.getByTestId('presence-member').allTextContents();

describe('live rooms over PartyKit', () => {
	it('a watcher sees the uploader online, the upload progress live, and the file arrive without reloading', async () => {
		const { owner, watcher, roomId } = await twoPeople(['Alice Uploader', 'Bob Watcher']);
		const contextA = await browser.newContext({ baseURL });
		const contextB = await browser.newContext({ baseURL });
		try {
			await signIn(contextA, owner.client);
			await signIn(contextB, watcher.client);
			const pageA = await contextA.newPage();
			const pageB = await contextB.newPage();
			await pageA.goto(`/rooms/${roomId}`);
			await pageB.goto(`/rooms/${roomId}`);
			await expect.poll(() => liveStatus(pageA), { timeout: 15_000 }).toBe('Live');
			await expect.poll(() => liveStatus(pageB), { timeout: 15_000 }).toBe('Live');

			// Presence: B sees A (and A sees B join).
			await expect.poll(() => presence(pageB), { timeout: 10_000 }).toEqual(expect.arrayContaining([expect.stringContaining('Alice Uploader')]));
			await expect.poll(() => presence(pageA), { timeout: 10_000 }).toEqual(expect.arrayContaining([expect.stringContaining('Bob Watcher')]));

			const file = bigFile(256 * MiB, 'live-256.bin');
			await pageA.getByTestId('file-input').setInputFiles(file.path);

			// B: a live card for A's file, whose progress goes up at least twice.
			const card = pageB.getByTestId('live-transfer').filter({ has: pageB.getByTestId('live-transfer-name').getByText(file.name, { exact: true }) });
			await card.waitFor({ timeout: 30_000 });
			expect(await card.getByTestId('live-transfer-user').textContent()).toBe('Alice Uploader');
			const seen: number[] = [];
			const speeds = new Set<string>();
			const deadline = Date.now() + 120_000;
			while (Date.now() < deadline) {
				const sample = await pageB.evaluate((name) => {
					for (const li of document.querySelectorAll('[data-testid="live-transfer"]')) {
						if (li.querySelector('[data-testid="live-transfer-name"]')?.textContent !== name) continue;
						return {
							value: Number(li.querySelector('[data-testid="live-transfer-progress"]')?.getAttribute('aria-valuenow')),
							speed: li.querySelector('[data-testid="live-transfer-speed"]')?.textContent ?? ''
						};
					}
					return null;
				}, file.name);
				if (sample === null) break; // finished: the card goes away
				if (seen.length === 0 || sample.value !== seen.at(-1)) seen.push(sample.value);
				if (sample.speed) speeds.add(sample.speed);
				await new Promise((r) => setTimeout(r, 20));
			}
			const increases = seen.filter((v, i) => i > 0 && v > seen[i - 1]!).length;
			console.log(`live progress seen by the watcher: ${seen.join(', ')} (speeds: ${[...speeds].slice(0, 3).join(', ')})`);
			expect(increases).toBeGreaterThanOrEqual(2);
			expect(speeds.size).toBeGreaterThan(0);

			await expect.poll(() => transferOf(pageA, file.name).state.textContent(), { timeout: 120_000, interval: 200 }).toBe('Done');
			// B's list picks the file up from the room's file-added, without a reload.
			await expect.poll(() => pageB.getByTestId('file-name').allTextContents(), { timeout: 15_000 }).toContain(file.name);
			await expect.poll(() => card.count(), { timeout: 10_000 }).toBe(0);
			// A does not see its own upload twice.
			expect(await pageA.getByTestId('live-transfer').count()).toBe(0);

			// A leaves: B's presence drops A.
			await pageA.close();
			await expect.poll(() => presence(pageB), { timeout: 10_000 }).not.toEqual(expect.arrayContaining([expect.stringContaining('Alice Uploader')]));
		} finally {
			await contextA.close();
			await contextB.close();
		}
	});

	it('uploads go on while the room server is unreachable, and the page catches up when it is back', async () => {
		const { owner, watcher, roomId } = await twoPeople(['Carol Offline', 'Dan Watcher']);
		const contextA = await browser.newContext({ baseURL });
		const contextB = await browser.newContext({ baseURL });
		try {
			await signIn(contextA, owner.client);
			await signIn(contextB, watcher.client);
			// A cannot get a room token: as far as A's page knows, live updates are down.
			await contextA.route('**/realtime-token', (route) => route.abort());
			const pageA = await contextA.newPage();
			const pageB = await contextB.newPage();
			await pageA.goto(`/rooms/${roomId}`);
			await pageB.goto(`/rooms/${roomId}`);
			await expect.poll(() => liveStatus(pageB), { timeout: 15_000 }).toBe('Live');
			await expect.poll(() => pageA.getByTestId('live-banner').textContent(), { timeout: 15_000 }).toBe('Live updates paused — reconnecting');
			expect(await liveStatus(pageA)).toBe('Live updates paused');

			const file = bigFile(16 * MiB, 'offline-live.bin');
			await pageA.getByTestId('file-input').setInputFiles(file.path);
			await expect.poll(() => transferOf(pageA, file.name).state.textContent(), { timeout: 60_000, interval: 200 }).toBe('Done');
			// B still learns about the file: the server posts file-added itself.
			await expect.poll(() => pageB.getByTestId('file-name').allTextContents(), { timeout: 15_000 }).toContain(file.name);

			// Back: A reconnects by itself and shows who is here.
			await contextA.unroute('**/realtime-token');
			await expect.poll(() => liveStatus(pageA), { timeout: 30_000 }).toBe('Live');
			expect(await pageA.getByTestId('live-banner').count()).toBe(0);
			await expect.poll(() => presence(pageA), { timeout: 10_000 }).toEqual(expect.arrayContaining([expect.stringContaining('Dan Watcher')]));
		} finally {
			await contextA.close();
			await contextB.close();
		}
	});
});
