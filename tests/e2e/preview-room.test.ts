import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchBrowser } from '../helpers/browser';
import { roomFiles, signedInRoom, transferOf } from './upload-helpers';

const baseURL = inject('ferryUrl');

let browser: Browser;
beforeAll(async () => {
	browser = await launchBrowser();
});
afterAll(async () => {
	await browser?.close();
});

/** A real WebM made in the page: a canvas of noise (so it is big) recorded with MediaRecorder. */
async function recordVideo(page: Page, seconds: number): Promise<Buffer> {
	const base64 = await page.evaluate(async (ms) => {
		const canvas = document.createElement('canvas');
		canvas.width = 320;
		canvas.height = 240;
		const context = canvas.getContext('2d')!;
		const recorder = new MediaRecorder(canvas.captureStream(30), {
			mimeType: 'video/webm;codecs=vp8',
			videoBitsPerSecond: 8_000_000
		});
		const chunks: Blob[] = [];
		recorder.ondataavailable = (event) => chunks.push(event.data);
		const stopped = new Promise((resolve) => (recorder.onstop = resolve));
		const noise = context.createImageData(320, 240);
		let frame = 0;
		const timer = setInterval(() => {
			for (let i = 0; i < noise.data.length; i++) noise.data[i] = (Math.random() * 256) | 0;
			context.putImageData(noise, 0, 0);
			context.fillStyle = 'white';
			context.fillText(String(frame++), 10, 20);
		}, 33);
		recorder.start(250);
		await new Promise((resolve) => setTimeout(resolve, ms));
		recorder.stop();
		await stopped;
		clearInterval(timer);
		const bytes = new Uint8Array(await new Blob(chunks).arrayBuffer());
		let binary = '';
		for (let i = 0; i < bytes.length; i += 0x8000)
			binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
		return btoa(binary);
	}, seconds * 1000);
	return Buffer.from(base64, 'base64');
}

async function pngInPage(page: Page): Promise<Buffer> {
	const base64 = await page.evaluate(async () => {
		const canvas = new OffscreenCanvas(640, 480);
		const context = canvas.getContext('2d')!;
		context.fillStyle = '#2f6fde';
		context.fillRect(0, 0, 640, 480);
		context.fillStyle = '#ffcc00';
		context.fillRect(100, 100, 200, 200);
		const bytes = new Uint8Array(
			await (await canvas.convertToBlob({ type: 'image/png' })).arrayBuffer()
		);
		return btoa(String.fromCharCode(...bytes));
	});
	return Buffer.from(base64, 'base64');
}

function fileRow(page: Page, name: string) {
	return page
		.getByTestId('file')
		.filter({ has: page.getByTestId('file-name').getByText(name, { exact: true }) });
}

async function uploadThroughUi(
	page: Page,
	name: string,
	mimeType: string,
	buffer: Buffer,
	encrypt: boolean
): Promise<void> {
	const toggle = page.getByTestId('encrypt-toggle');
	if (encrypt) await toggle.check();
	else await toggle.uncheck();
	await page.getByTestId('file-input').setInputFiles({ name, mimeType, buffer });
	await expect
		.poll(() => transferOf(page, name).state.textContent(), { timeout: 60_000, interval: 100 })
		.toBe('Done');
	await expect.poll(() => fileRow(page, name).count(), { timeout: 10_000 }).toBe(1);
}

/** Ciphertext ranges the service worker fetched for a preview (its own diagnostic log). */
function fetchedRanges(page: Page, previewId: string): Promise<[number, number][]> {
	return page.evaluate(async (id) => {
		const { port1, port2 } = new MessageChannel();
		const reply = new Promise<{ fetched: [number, number][] }>(
			(resolve) => (port1.onmessage = (e) => resolve(e.data as { fetched: [number, number][] }))
		);
		navigator.serviceWorker.controller!.postMessage(
			{ type: 'PREVIEW_HAS', requestId: 'test', previewId: id },
			[port2]
		);
		return (await reply).fetched;
	}, previewId);
}

describe('previews in the room view', () => {
	it('plays an encrypted video, seeks to the middle, and the service worker fetches only the records near a ranged read', async () => {
		const context = await browser.newContext({ baseURL });
		try {
			const { client, roomId } = await signedInRoom(context, baseURL);
			const page = await context.newPage();
			await page.goto(`/rooms/${roomId}`);
			await expect
				.poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null), {
					timeout: 15_000
				})
				.toBe(true);
			const video = await recordVideo(page, 6);
			expect(video.length).toBeGreaterThan(2 * 1024 * 1024);
			await uploadThroughUi(page, 'clip.webm', 'video/webm', video, true);
			const listed = (await roomFiles(client, roomId))[0]!;
			expect(listed.encryption).not.toBeNull();

			const row = fileRow(page, 'clip.webm');
			await row.getByTestId('file-preview-toggle').click();
			const element = row.getByTestId('preview-video');
			await element.waitFor({ timeout: 15_000 });
			await expect
				.poll(() => element.evaluate((v: HTMLVideoElement) => v.readyState), { timeout: 20_000 })
				.toBeGreaterThanOrEqual(1);
			const previewId = (await row.getByTestId('file-preview').getAttribute('data-preview-id'))!;
			expect(previewId).toMatch(/^[0-9a-f]{32}$/);

			// Seek to the middle and play: currentTime moves on from there.
			await element.evaluate(async (v: HTMLVideoElement) => {
				v.muted = true;
				await v.play();
				v.currentTime = 3;
			});
			await expect
				.poll(() => element.evaluate((v: HTMLVideoElement) => v.currentTime), { timeout: 20_000 })
				.toBeGreaterThan(3.3);
			expect(await element.evaluate((v: HTMLVideoElement) => v.error)).toBeNull();

			// A ranged read in the middle, as the media element sends after a seek, costs about one slice.
			// Stop the element first: its own buffering reads would land in the same log.
			await element.evaluate((v: HTMLVideoElement) => v.pause());
			let settled = -1;
			await expect
				.poll(
					async () => {
						const count = (await fetchedRanges(page, previewId)).length;
						const still = count === settled;
						settled = count;
						return still;
					},
					{ timeout: 10_000, interval: 500 }
				)
				.toBe(true);
			const size = video.length;
			const before = (await fetchedRanges(page, previewId)).length;
			const middle = Math.floor(size / 2);
			const answer = await page.evaluate(
				async ({ url, start }) => {
					const response = await fetch(url, { headers: { range: `bytes=${start}-` } });
					return {
						status: response.status,
						range: response.headers.get('content-range'),
						bytes: (await response.arrayBuffer()).byteLength
					};
				},
				{ url: `/preview/${previewId}`, start: middle }
			);
			expect(answer.status).toBe(206);
			expect(answer.range).toMatch(new RegExp(`^bytes ${middle}-\\d+/${size}$`));
			const after = (await fetchedRanges(page, previewId)).slice(before);
			const fetchedBytes = after.reduce((sum, [s, e]) => sum + (e - s), 0);
			expect(after.length).toBeGreaterThan(0);
			expect(fetchedBytes).toBeLessThanOrEqual(1024 * 1024 + 2 * (64 * 1024 + 16));
			expect(fetchedBytes).toBeLessThan(size / 2);
			const stride = 64 * 1024 + 16;
			expect(after[0]![0]).toBe(Math.floor(middle / (64 * 1024)) * stride);
		} finally {
			await context.close();
		}
	});

	it('re-registers after the service worker was stopped (and forgot the key) and keeps playing', async () => {
		const context = await browser.newContext({ baseURL });
		try {
			const { roomId } = await signedInRoom(context, baseURL);
			const page = await context.newPage();
			await page.goto(`/rooms/${roomId}`);
			await expect
				.poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null), {
					timeout: 15_000
				})
				.toBe(true);
			await uploadThroughUi(page, 'restart.webm', 'video/webm', await recordVideo(page, 6), true);
			const row = fileRow(page, 'restart.webm');
			await row.getByTestId('file-preview-toggle').click();
			const element = row.getByTestId('preview-video');
			await element.waitFor({ timeout: 15_000 });
			await expect
				.poll(() => element.evaluate((v: HTMLVideoElement) => v.readyState), { timeout: 20_000 })
				.toBeGreaterThanOrEqual(1);
			const firstSrc = await element.getAttribute('src');

			// The browser may stop an idle service worker at any time; its memory (the key) goes with it.
			const cdp = await context.newCDPSession(page);
			await cdp.send('ServiceWorker.enable');
			await cdp.send('ServiceWorker.stopAllWorkers');

			await element.evaluate(async (v: HTMLVideoElement) => {
				v.muted = true;
				v.currentTime = 4;
				await v.play().catch(() => undefined);
			});
			const reloaded = row.getByTestId('preview-video');
			await expect.poll(() => reloaded.getAttribute('src'), { timeout: 20_000 }).not.toBe(firstSrc);
			await reloaded.evaluate(async (v: HTMLVideoElement) => {
				v.muted = true;
				await v.play();
			});
			await expect
				.poll(() => reloaded.evaluate((v: HTMLVideoElement) => v.currentTime), { timeout: 20_000 })
				.toBeGreaterThan(0.5);
			expect(await row.getByTestId('preview-error').count()).toBe(0);
		} finally {
			await context.close();
		}
	});

	it('shows an encrypted image’s thumbnail in the list and the image in its preview', async () => {
		const context = await browser.newContext({ baseURL });
		try {
			const { roomId } = await signedInRoom(context, baseURL);
			const page = await context.newPage();
			await page.goto(`/rooms/${roomId}`);
			await expect
				.poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null), {
					timeout: 15_000
				})
				.toBe(true);
			await uploadThroughUi(page, 'picture.png', 'image/png', await pngInPage(page), true);
			const row = fileRow(page, 'picture.png');
			const thumb = row.getByTestId('file-thumbnail');
			await thumb.waitFor({ timeout: 20_000 });
			await expect
				.poll(() => thumb.evaluate((img: HTMLImageElement) => img.naturalWidth), {
					timeout: 10_000
				})
				.toBe(320);
			await row.getByTestId('file-preview-toggle').click();
			const image = row.getByTestId('preview-image');
			await image.waitFor({ timeout: 15_000 });
			await expect
				.poll(() => image.evaluate((img: HTMLImageElement) => img.naturalWidth), {
					timeout: 10_000
				})
				.toBe(640);
		} finally {
			await context.close();
		}
	});

	it('shows an encrypted PDF in the browser viewer from the decrypted whole-file answer', async () => {
		const context = await browser.newContext({ baseURL });
		try {
			const { roomId } = await signedInRoom(context, baseURL);
			const page = await context.newPage();
			await page.goto(`/rooms/${roomId}`);
			await expect
				.poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null), {
					timeout: 15_000
				})
				.toBe(true);
			// Bigger than one record and one fetch chunk, so the whole-file stream spans several.
			const pdf = Buffer.concat([
				Buffer.from('%PDF-1.4\n%'),
				Buffer.alloc(3 * 1024 * 1024 + 5, 0x41),
				Buffer.from('\n%%EOF\n')
			]);
			await uploadThroughUi(page, 'paper.pdf', 'application/pdf', pdf, true);
			const row = fileRow(page, 'paper.pdf');
			await row.getByTestId('file-preview-toggle').click();
			const frame = row.getByTestId('preview-pdf');
			await frame.waitFor({ timeout: 15_000 });
			const src = (await frame.getAttribute('src'))!;
			expect(src).toMatch(/^\/preview\/[0-9a-f]{32}\?v=0$/);
			const answer = await page.evaluate(async (url) => {
				const response = await fetch(url);
				const bytes = new Uint8Array(await response.arrayBuffer());
				return {
					status: response.status,
					type: response.headers.get('content-type'),
					length: bytes.length,
					head: String.fromCharCode(...bytes.subarray(0, 8)),
					tail: String.fromCharCode(...bytes.subarray(bytes.length - 6))
				};
			}, src);
			expect(answer).toEqual({
				status: 200,
				type: 'application/pdf',
				length: pdf.length,
				head: '%PDF-1.4',
				tail: '%%EOF\n'
			});
		} finally {
			await context.close();
		}
	});

	it('previews a text file as text, markup included, never as HTML', async () => {
		const context = await browser.newContext({ baseURL });
		try {
			const { roomId } = await signedInRoom(context, baseURL);
			const page = await context.newPage();
			await page.goto(`/rooms/${roomId}`);
			const content = 'hello <b>world</b>\n<script>window.__pwned = true</script>\n';
			await uploadThroughUi(page, 'notes.txt', 'text/plain', Buffer.from(content), false);
			const row = fileRow(page, 'notes.txt');
			await row.getByTestId('file-preview-toggle').click();
			const text = row.getByTestId('preview-text');
			await text.waitFor({ timeout: 15_000 });
			expect(await text.textContent()).toBe(content);
			expect(await text.locator('b').count()).toBe(0);
			expect(await page.evaluate(() => (window as { __pwned?: boolean }).__pwned)).toBeUndefined();
		} finally {
			await context.close();
		}
	});
});
