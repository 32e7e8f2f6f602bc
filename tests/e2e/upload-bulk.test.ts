import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchBrowser } from '../helpers/browser';
import {
	MiB,
	bigFile,
	countPartPuts,
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

describe('pause, resume and cancel for all transfers', () => {
	it('"Pause all" stops every upload, "Resume all" finishes them, "Cancel all" removes what is left', async () => {
		const context = await browser.newContext({ baseURL });
		try {
			const { client, roomId } = await signedInRoom(context, baseURL);
			const page = await context.newPage();
			await page.goto(`/rooms/${roomId}`);
			const a = bigFile(192 * MiB, 'first.bin');
			const b = bigFile(160 * MiB, 'second.bin');
			await page.getByTestId('file-input').setInputFiles([a.path, b.path]);
			const ta = transferOf(page, a.name);
			const tb = transferOf(page, b.name);
			await expect
				.poll(() => ta.state.textContent(), { timeout: 30_000, interval: 50 })
				.toBe('Uploading');

			await page.getByTestId('transfers-pause-all').click();
			for (const t of [ta, tb])
				await expect.poll(() => t.state.textContent(), { timeout: 15_000 }).toBe('Paused');
			// Paused means paused: no progress for a while.
			const held = [await ta.percent(), await tb.percent()];
			await page.waitForTimeout(1500);
			expect([await ta.percent(), await tb.percent()]).toEqual(held);

			await page.getByTestId('transfers-resume-all').click();
			for (const t of [ta, tb])
				await expect.poll(() => t.state.textContent(), { timeout: 90_000 }).toBe('Done');
			const listed = await roomFiles(client, roomId);
			for (const f of [a, b]) {
				const stored = listed.find((l) => l.name === f.name)!;
				expect((await downloadSha256(client, stored.id)).sha256).toBe(f.sha256);
			}

			// Two more, cancelled together after confirming: nothing of them is kept.
			const c = bigFile(128 * MiB, 'third.bin');
			const d = bigFile(136 * MiB, 'fourth.bin');
			await page.getByTestId('file-input').setInputFiles([c.path, d.path]);
			await expect
				.poll(() => transferOf(page, c.name).state.textContent(), { timeout: 30_000, interval: 50 })
				.toBe('Uploading');
			page.once('dialog', (dialog) => void dialog.accept());
			await page.getByTestId('transfers-cancel-all').click();
			for (const f of [c, d]) {
				await expect
					.poll(() => transferOf(page, f.name).state.textContent(), { timeout: 15_000 })
					.toBe('Cancelled');
			}
			expect((await roomFiles(client, roomId)).map((f) => f.name).sort()).toEqual([
				'first.bin',
				'second.bin'
			]);
		} finally {
			await context.close();
		}
	});
});

describe('part size adapts between uploads', () => {
	it("the second upload of a page asks for parts sized from the first one's speed, and the server plans them", async () => {
		const context = await browser.newContext({ baseURL });
		try {
			const { client, roomId } = await signedInRoom(context, baseURL);
			const page = await context.newPage();
			const asked: (number | undefined)[] = [];
			page.on('request', (request) => {
				if (request.method() === 'POST' && new URL(request.url()).pathname === '/api/uploads') {
					asked.push((request.postDataJSON() as { preferredPartSize?: number }).preferredPartSize);
				}
			});
			const puts = countPartPuts(context);
			await page.goto(`/rooms/${roomId}`);
			const first = bigFile(64 * MiB, 'first-sample.bin');
			await page.getByTestId('file-input').setInputFiles(first.path);
			await expect
				.poll(() => transferOf(page, first.name).state.textContent(), { timeout: 60_000 })
				.toBe('Done');
			expect(asked).toEqual([undefined]);
			const firstPuts = puts.count();

			const second = bigFile(200 * MiB, 'second-sized.bin');
			await page.getByTestId('file-input').setInputFiles(second.path);
			await expect
				.poll(() => transferOf(page, second.name).state.textContent(), { timeout: 90_000 })
				.toBe('Done');
			const preferred = asked[1]!;
			expect(preferred % MiB).toBe(0);
			expect(preferred).toBeGreaterThanOrEqual(5 * MiB);
			expect(preferred).toBeLessThanOrEqual(64 * MiB);
			expect(new Set(puts.parts().slice(firstPuts)).size).toBe(Math.ceil((200 * MiB) / preferred));
			console.log(`second upload asked for ${preferred / MiB} MiB parts`);
			const stored = (await roomFiles(client, roomId)).find((f) => f.name === second.name)!;
			expect((await downloadSha256(client, stored.id)).sha256).toBe(second.sha256);
		} finally {
			await context.close();
		}
	});
});
