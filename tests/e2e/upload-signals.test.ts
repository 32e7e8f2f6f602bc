import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchBrowser } from '../helpers/browser';
import { MiB, bigFile, removeBigFiles, signedInRoom, transferOf } from './upload-helpers';

/**
 * What an upload tells the person outside the page: the app badge counts unfinished
 * transfers, and an upload that ends while the page is hidden shows a notification. The badge
 * itself is drawn only for an installed app, so the test records the Badging API calls; the
 * notification is read back from the service worker registration.
 */
const baseURL = inject('ferryUrl');

let browser: Browser;
beforeAll(async () => {
	browser = await launchBrowser();
});
afterAll(async () => {
	await browser?.close();
	removeBigFiles();
});

describe('app badge and notifications', () => {
	it('badges 1 while uploading, clears it when done, and notifies when the upload ends in a hidden page', async () => {
		const context = await browser.newContext({ baseURL, permissions: ['notifications'] });
		try {
			await context.addInitScript(() => {
				const w = window as unknown as { __badges: number[]; __hidden: boolean };
				w.__badges = [];
				w.__hidden = false;
				navigator.setAppBadge = (n?: number) => (w.__badges.push(n ?? 0), Promise.resolve());
				navigator.clearAppBadge = () => (w.__badges.push(0), Promise.resolve());
				// Headless pages are always "visible": let the test switch the person away.
				Object.defineProperty(document, 'visibilityState', {
					get: () => (w.__hidden ? 'hidden' : 'visible')
				});
			});
			const { roomId } = await signedInRoom(context, baseURL);
			const page = await context.newPage();
			await page.goto(`/rooms/${roomId}`);
			await expect
				.poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null), {
					timeout: 15_000
				})
				.toBe(true);
			const file = bigFile(96 * MiB, 'badge-me.bin');
			await page.getByTestId('file-input').setInputFiles(file.path);
			const t = transferOf(page, file.name);
			await expect
				.poll(() => t.state.textContent(), { timeout: 30_000, interval: 50 })
				.toMatch(/Uploading|Finishing|Done/);
			await page.evaluate(() => ((window as unknown as { __hidden: boolean }).__hidden = true));
			await expect.poll(() => t.state.textContent(), { timeout: 60_000 }).toBe('Done');

			const badges = await page.evaluate(
				() => (window as unknown as { __badges: number[] }).__badges
			);
			expect(badges).toContain(1);
			expect(badges.at(-1)).toBe(0);
			await expect
				.poll(
					() =>
						page.evaluate(async () => {
							const registration = await navigator.serviceWorker.getRegistration();
							const list = (await registration?.getNotifications()) ?? [];
							return list.map((n) => ({ title: n.title, body: n.body, data: n.data as unknown }));
						}),
					{ timeout: 10_000 }
				)
				.toEqual([
					{
						title: 'Upload finished',
						body: 'badge-me.bin is in the room.',
						data: { url: `/rooms/${roomId}` }
					}
				]);
		} finally {
			await context.close();
		}
	});

	it('does not notify while the person is looking at the page', async () => {
		const context = await browser.newContext({ baseURL, permissions: ['notifications'] });
		try {
			const { roomId } = await signedInRoom(context, baseURL);
			const page = await context.newPage();
			await page.goto(`/rooms/${roomId}`);
			await expect
				.poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null), {
					timeout: 15_000
				})
				.toBe(true);
			const file = bigFile(8 * MiB, 'seen.bin');
			await page.getByTestId('file-input').setInputFiles(file.path);
			await expect
				.poll(() => transferOf(page, file.name).state.textContent(), { timeout: 60_000 })
				.toBe('Done');
			const count = await page.evaluate(
				async () =>
					((await (await navigator.serviceWorker.getRegistration())?.getNotifications()) ?? [])
						.length
			);
			expect(count).toBe(0);
		} finally {
			await context.close();
		}
	});
});
