import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { crc32, deflateSync } from 'node:zlib';
import os from 'node:os';
import path from 'node:path';
import {
	chromium,
	type Browser,
	type BrowserContext,
	type Page,
	type Request
} from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
	RecordCipher,
	createNodePorts,
	openFileSource,
	type NodeUploadApiOptions
} from '$lib/adapters/node';
import { encodeBase64url } from '$lib/core/crypto/base64url';
import {
	createHeader,
	encryptMetadata,
	fileKeyToFragment,
	generateFileKey
} from '$lib/core/crypto';
import { TransferRunner } from '$lib/core/upload';
import {
	CHROMIUM_ARGS,
	chromiumPath,
	launchBrowser,
	makeProfileDir,
	removeProfileDir
} from '../helpers/browser';
import { newUser, type ApiClient } from '../helpers/api-client';

/**
 * A recipient without an account downloads shared files through /s/{token} in Chromium. The
 * save picker is replaced by one that hands out a file in the origin-private file system, so
 * the test can read the saved bytes back and compare their SHA-256 with the source.
 */

const baseURL = inject('ferryUrl');
const MiB = 1024 * 1024;
/** Ten 8 MiB ranges and a short one: enough to cut a download off in the middle. */
const FILE_SIZE = 80 * MiB + 12_345;
const RANGE_SIZE = 8 * MiB;
const CONCURRENCY = 5;

let browser: Browser;
let workDir: string;
let source: { path: string; sha256: string };
let owner: { client: ApiClient; api: NodeUploadApiOptions; roomId: string };

beforeAll(async () => {
	browser = await launchBrowser();
	workDir = await mkdtemp(path.join(os.tmpdir(), 'ferry-share-download-'));
	source = await writeRandomFile(path.join(workDir, 'source.bin'), FILE_SIZE);
	const { client } = await newUser(baseURL, 'Sam Sender');
	const token = await client.json<{ token: string }>('POST', '/api/tokens', { name: 'share-e2e' });
	const room = await client.json<{ id: string }>('POST', '/api/rooms', { name: 'Shared' });
	const api: NodeUploadApiOptions = {
		baseUrl: baseURL,
		auth: { kind: 'bearer', token: token.body.token }
	};
	owner = { client, api, roomId: room.body.id };
}, 120_000);

afterAll(async () => {
	await browser?.close();
	if (workDir) await rm(workDir, { recursive: true, force: true });
});

async function writeRandomFile(filePath: string, size: number) {
	const hash = createHash('sha256');
	const handle = await open(filePath, 'w');
	try {
		for (let written = 0; written < size;) {
			const chunk = randomBytes(Math.min(4 * MiB, size - written));
			hash.update(chunk);
			await handle.write(chunk);
			written += chunk.length;
		}
	} finally {
		await handle.close();
	}
	return { path: filePath, sha256: hash.digest('hex') };
}

/** A plain white RGB PNG of `width` x `height`. */
function whitePng(width: number, height: number): Buffer {
	const chunk = (type: string, data: Buffer): Buffer => {
		const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
		const length = Buffer.alloc(4);
		length.writeUInt32BE(data.length);
		const crc = Buffer.alloc(4);
		crc.writeUInt32BE(crc32(body));
		return Buffer.concat([length, body, crc]);
	};
	const header = Buffer.alloc(13);
	header.writeUInt32BE(width, 0);
	header.writeUInt32BE(height, 4);
	header.set([8, 2, 0, 0, 0], 8); // 8 bits, RGB, no interlace
	const row = Buffer.concat([Buffer.from([0]), Buffer.alloc(width * 3, 0xff)]);
	const pixels = Buffer.concat(Array.from({ length: height }, () => row));
	return Buffer.concat([
		Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
		chunk('IHDR', header),
		chunk('IDAT', deflateSync(pixels)),
		chunk('IEND', Buffer.alloc(0))
	]);
}

/** Uploads the source with the upload core (encrypted with a sealed name when asked). */
async function uploadSource(
	name: string,
	encrypt: boolean,
	from: { path: string; type: string } = { path: source.path, type: 'application/octet-stream' }
) {
	const file = await openFileSource(from.path, { name, type: from.type });
	let key: Uint8Array<ArrayBuffer> | null = null;
	let cipher: RecordCipher | undefined;
	if (encrypt) {
		key = generateFileKey();
		const encryptedMetadata = await encryptMetadata(key, { name, type: 'video/mp4' });
		cipher = await RecordCipher.create({
			key,
			header: createHeader({ plaintextSize: FILE_SIZE }),
			extras: { encryptedMetadata }
		});
	}
	const runner = new TransferRunner(
		{ transferId: randomUUID(), roomId: owner.roomId, file },
		createNodePorts(owner.api, cipher && { cipher }),
		{ checksumAlgorithm: 'CRC32C' }
	);
	await runner.start();
	const state = runner.state;
	if (state.status !== 'done') throw new Error(`upload ended ${state.status}`);
	return { fileId: state.file.id, key };
}

async function shareLink(fileId: string, options: Record<string, unknown> = {}) {
	const created = await owner.client.json<{ id: string; token: string }>(
		'POST',
		`/api/files/${fileId}/shares`,
		options
	);
	expect(created.status).toBe(201);
	return created.body;
}

async function downloadCount(fileId: string, shareId: string): Promise<number> {
	const list = await owner.client.json<{ shares: { id: string; downloadCount: number }[] }>(
		'GET',
		`/api/files/${fileId}/shares`
	);
	return list.body.shares.find((s) => s.id === shareId)!.downloadCount;
}

/** An anonymous recipient whose save picker writes into OPFS `saved.bin`. */
async function recipient(options: { serviceWorkers?: 'allow' | 'block' } = {}) {
	const context = await browser.newContext({ baseURL, ...options });
	await answerSavePicker(context);
	return context;
}

async function answerSavePicker(context: BrowserContext): Promise<void> {
	await context.addInitScript(() => {
		(window as unknown as { showSaveFilePicker: unknown }).showSaveFilePicker = async () => {
			const root = await navigator.storage.getDirectory();
			return root.getFileHandle('saved.bin', { create: true });
		};
	});
}

/** Files left in the download staging folder of the origin-private file system. */
function stagingFiles(page: Page): Promise<string[]> {
	return page.evaluate(async () => {
		const root = await navigator.storage.getDirectory();
		const dir = await root.getDirectoryHandle('ferry-downloads', { create: true });
		const names: string[] = [];
		for await (const name of (dir as unknown as { keys(): AsyncIterable<string> }).keys()) {
			names.push(name);
		}
		return names;
	});
}

async function savedSha256(page: Page): Promise<{ size: number; sha256: string }> {
	return page.evaluate(async () => {
		const root = await navigator.storage.getDirectory();
		const file = await (await root.getFileHandle('saved.bin')).getFile();
		const digest = await crypto.subtle.digest('SHA-256', await file.arrayBuffer());
		const hex = Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0'));
		return { size: file.size, sha256: hex.join('') };
	});
}

function isRangeRequest(request: Request): boolean {
	return request.headers()['range'] !== undefined && !request.url().includes('/api/');
}

async function waitForDone(page: Page, timeout = 120_000): Promise<void> {
	await page.getByTestId('share-done').waitFor({ timeout });
}

describe('share links: the recipient page downloads the file', () => {
	it('saves a plain shared file identical to the source and counts one download', async () => {
		const { fileId } = await uploadSource('holiday.bin', false);
		const link = await shareLink(fileId, { password: 'correct horse' });
		const context = await recipient();
		const page = await context.newPage();
		await page.goto(`/s/${link.token}`);
		await expect.poll(() => page.getByTestId('share-file-name').textContent()).toBe('holiday.bin');
		expect(await page.getByTestId('share-by').textContent()).toBe('Sam Sender');

		await page.getByTestId('share-password').fill('wrong one');
		await page.getByTestId('share-download').click();
		await expect
			.poll(() => page.getByTestId('share-error').textContent())
			.toContain('password is wrong');

		await page.getByTestId('share-password').fill('correct horse');
		await page.getByTestId('share-download').click();
		await waitForDone(page);
		expect(await savedSha256(page)).toEqual({ size: FILE_SIZE, sha256: source.sha256 });
		expect(await downloadCount(fileId, link.id)).toBe(1);
		await context.close();
	}, 180_000);

	it('decrypts an end-to-end encrypted file in the browser; the key never leaves it', async () => {
		const { fileId, key } = await uploadSource('secret-plans.mp4', true);
		const link = await shareLink(fileId);
		const fragmentKey = fileKeyToFragment(key!).slice(2);
		expect(fragmentKey).toBe(encodeBase64url(key!));
		const context = await recipient();
		const sent: string[] = [];
		context.on('request', (request) => {
			const url = new URL(request.url());
			url.hash = '';
			sent.push(url.href, JSON.stringify(request.headers()), request.postData() ?? '');
		});
		const page = await context.newPage();
		await page.goto(`/s/${link.token}#${fileKeyToFragment(key!)}`);
		await expect
			.poll(() => page.getByTestId('share-file-name').textContent())
			.toBe('secret-plans.mp4');
		await page.getByTestId('share-download').click();
		await waitForDone(page);
		expect(await savedSha256(page)).toEqual({ size: FILE_SIZE, sha256: source.sha256 });
		expect(sent.length).toBeGreaterThan(10);
		expect(sent.filter((text) => text.includes(fragmentKey))).toEqual([]);
		await context.close();
	}, 180_000);

	it('tells a recipient with a cut-down link that the key is missing', async () => {
		const { fileId } = await uploadSource('no-key.mp4', true);
		const link = await shareLink(fileId);
		const context = await recipient();
		const page = await context.newPage();
		await page.goto(`/s/${link.token}`);
		await expect
			.poll(() => page.getByTestId('share-key-problem').textContent())
			.toContain('missing its key');
		await context.close();
	}, 120_000);

	it('says why a revoked link does not work', async () => {
		const { fileId } = await uploadSource('gone.bin', false);
		const link = await shareLink(fileId);
		expect((await owner.client.json('DELETE', `/api/shares/${link.id}`)).status).toBe(204);
		const context = await recipient();
		const page = await context.newPage();
		await page.goto(`/s/${link.token}`);
		await expect
			.poll(() => page.getByTestId('share-refusal').textContent())
			.toContain('turned the link off');
		await context.close();
	}, 120_000);

	it('draws the recipient address and the time into image previews only when the link asks for watermarks', async () => {
		const pngPath = path.join(workDir, 'white.png');
		await writeFile(pngPath, whitePng(320, 200));
		const { fileId } = await uploadSource('white.png', false, { path: pngPath, type: 'image/png' });
		const marked = await shareLink(fileId, { watermark: true });
		const bare = await shareLink(fileId);
		const context = await recipient();
		const page = await context.newPage();

		await page.goto(`/s/${marked.token}`);
		await page.getByTestId('share-preview-toggle').click();
		const preview = page.getByTestId('preview-image');
		await preview.waitFor({ timeout: 30_000 });
		expect(await preview.evaluate((el) => el.tagName)).toBe('CANVAS');
		// The picture itself carries the mark: a white image comes back with drawn pixels.
		await expect
			.poll(
				() =>
					preview.evaluate((el) => {
						const canvas = el as HTMLCanvasElement;
						const context = canvas.getContext('2d')!;
						const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
						let marked = 0;
						for (let i = 0; i < data.length; i += 4) {
							if (data[i]! < 200 || data[i + 1]! < 200 || data[i + 2]! < 200) marked++;
						}
						return { width: canvas.width, height: canvas.height, marked: marked > 100 };
					}),
				{ timeout: 15_000 }
			)
			.toEqual({ width: 320, height: 200, marked: true });

		await page.goto(`/s/${bare.token}`);
		await page.getByTestId('share-preview-toggle').click();
		await page.getByTestId('preview-image').waitFor({ timeout: 30_000 });
		expect(await page.getByTestId('preview-image').evaluate((el) => el.tagName)).toBe('IMG');
		await context.close();
	}, 120_000);

	it('streams an encrypted file through the service worker into the browser download when there is no save picker', async () => {
		const { fileId, key } = await uploadSource('no-picker.mp4', true);
		const link = await shareLink(fileId);
		const context = await browser.newContext({ baseURL, acceptDownloads: true });
		await context.addInitScript(() => {
			(window as unknown as { showSaveFilePicker: unknown }).showSaveFilePicker = undefined;
		});
		const page = await context.newPage();
		await page.goto(`/s/${link.token}#${fileKeyToFragment(key!)}`);
		await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
		await expect
			.poll(() => page.getByTestId('share-no-resume').textContent())
			.toContain('cannot resume it after a reload');
		const downloaded = page.waitForEvent('download', { timeout: 60_000 });
		await page.getByTestId('share-download').click();
		const download = await downloaded;
		expect(download.suggestedFilename()).toBe('no-picker.mp4');
		const saved = await download.path();
		const hash = createHash('sha256');
		for await (const chunk of createReadStream(saved)) hash.update(chunk as Buffer);
		expect(hash.digest('hex')).toBe(source.sha256);
		await page.getByTestId('share-done').waitFor();
		expect(await downloadCount(fileId, link.id)).toBe(1);
		await context.close();
	}, 180_000);

	/** A recipient with throttled network (about 20 MB/s) and a count of the range requests. */
	async function slowRecipient(token: string, given?: BrowserContext, fragment = '') {
		// Service workers blocked: every range request is then the page's own, counted once.
		const context = given ?? (await recipient({ serviceWorkers: 'block' }));
		const page = await context.newPage();
		const ranges: string[] = [];
		context.on('request', (request) => {
			if (isRangeRequest(request)) ranges.push(request.headers()['range']!);
		});
		await throttle(context, page);
		await page.goto(`/s/${token}${fragment}`);
		await page.getByTestId('share-download').click();
		// Wait until about a third is saved, so the cut lands in the middle.
		await expect
			.poll(() => page.getByTestId('share-progress-bar').getAttribute('aria-valuenow'), {
				timeout: 60_000,
				interval: 100
			})
			.not.toMatch(/^([0-2]?\d)$/);
		return { context, page, ranges };
	}

	/** About 20 MB/s, so a download of FILE_SIZE can be cut off in the middle. */
	async function throttle(context: BrowserContext, page: Page): Promise<void> {
		const cdp = await context.newCDPSession(page);
		await cdp.send('Network.enable');
		await cdp.send('Network.emulateNetworkConditions', {
			offline: false,
			latency: 5,
			downloadThroughput: 20 * 1024 * 1024,
			uploadThroughput: 20 * 1024 * 1024
		});
	}

	const rangeCount = Math.ceil(FILE_SIZE / RANGE_SIZE);

	it('pauses when the network drops and carries on when it is back, fetching again only the ranges in flight', async () => {
		const { fileId } = await uploadSource('offline-trip.bin', false);
		const link = await shareLink(fileId);
		const { context, page, ranges } = await slowRecipient(link.token);
		await context.setOffline(true);
		await expect
			.poll(() => page.getByTestId('share-progress').getAttribute('data-status'))
			.toBe('paused');
		const beforeCut = ranges.length;
		expect(beforeCut).toBeLessThan(rangeCount);
		await context.setOffline(false);
		await waitForDone(page);
		expect(await savedSha256(page)).toEqual({ size: FILE_SIZE, sha256: source.sha256 });
		expect(ranges.length).toBeLessThanOrEqual(rangeCount + CONCURRENCY);
		expect(await downloadCount(fileId, link.id)).toBe(1);
		await context.close();
	}, 240_000);

	it('resumes a paused download after a reload without counting it again, even on a used-up link', async () => {
		const { fileId } = await uploadSource('long-trip.bin', false);
		const link = await shareLink(fileId, { maxDownloads: 1 });
		const { context, page, ranges } = await slowRecipient(link.token);
		await page.getByTestId('share-pause').click();
		await expect
			.poll(() => page.getByTestId('share-progress').getAttribute('data-status'))
			.toBe('paused');
		const beforeCut = ranges.length;
		await page.reload();
		// The link's only download is in use: the page offers to resume it, not a new one.
		await page.getByTestId('share-resume-saved').click();
		await waitForDone(page);
		expect(await savedSha256(page)).toEqual({ size: FILE_SIZE, sha256: source.sha256 });
		expect(ranges.length).toBeGreaterThanOrEqual(rangeCount);
		expect(ranges.length).toBeLessThanOrEqual(rangeCount + CONCURRENCY);
		// After the reload only what was not saved is fetched.
		expect(ranges.length - beforeCut).toBeLessThan(rangeCount);
		expect(await downloadCount(fileId, link.id)).toBe(1);
		expect(await page.getByTestId('share-download').count()).toBe(0);
		await context.close();
	}, 240_000);
	it('resumes an encrypted download after the browser was closed mid-way, fetching again only the ranges in flight', async () => {
		const { fileId, key } = await uploadSource('restart-trip.mp4', true);
		const link = await shareLink(fileId);
		const fragment = `#${fileKeyToFragment(key!)}`;
		const profile = makeProfileDir();
		const launch = async () => {
			const context = await chromium.launchPersistentContext(profile, {
				executablePath: chromiumPath(),
				args: CHROMIUM_ARGS,
				baseURL,
				serviceWorkers: 'block'
			});
			await answerSavePicker(context);
			return context;
		};
		try {
			const first = await slowRecipient(link.token, await launch(), fragment);
			const beforeClose = first.ranges.length;
			expect(beforeClose).toBeLessThan(rangeCount);
			// No pause: the browser goes away with ranges in flight.
			await first.context.close();

			const context = await launch();
			const ranges: string[] = [];
			context.on('request', (request) => {
				if (isRangeRequest(request)) ranges.push(request.headers()['range']!);
			});
			const page = context.pages()[0] ?? (await context.newPage());
			await page.goto(`/s/${link.token}${fragment}`);
			await page.getByTestId('share-resume-saved').click();
			await waitForDone(page);
			expect(await savedSha256(page)).toEqual({ size: FILE_SIZE, sha256: source.sha256 });
			// Whatever was written before the close is kept: at most the ranges then in flight
			// are fetched twice.
			expect(beforeClose + ranges.length).toBeLessThanOrEqual(rangeCount + CONCURRENCY);
			expect(ranges.length).toBeLessThan(rangeCount);
			expect(await downloadCount(fileId, link.id)).toBe(1);
			expect(await stagingFiles(page)).toEqual([]);
			await context.close();
		} finally {
			removeProfileDir(profile);
		}
	}, 240_000);
});
