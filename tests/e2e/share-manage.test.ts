import fs from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { decryptMetadata, fileKeyFromFragment } from '../../src/lib/core/crypto';
import { newUser, type ApiClient } from '../helpers/api-client';
import { launchBrowser } from '../helpers/browser';
import { uploadSmallFile } from '../helpers/upload';
import { bigFile, removeBigFiles, transferOf } from './upload-helpers';

const baseURL = inject('ferryUrl');
const dataDir = inject('ferryDataDir');
const logFile = inject('ferryLogFile');
const PASSWORD = 'hand it over';

let browser: Browser;
beforeAll(async () => {
	browser = await launchBrowser();
});
afterAll(async () => {
	await browser?.close();
	removeBigFiles();
});

/** A recipient: no account, no cookie. */
async function anonymous<T>(method: 'GET' | 'POST', urlPath: string, body?: unknown) {
	const response = await fetch(baseURL + urlPath, {
		method,
		headers: {
			'user-agent': 'share-manage-recipient/1.0',
			...(body === undefined ? {} : { 'content-type': 'application/json' })
		},
		body: body === undefined ? undefined : JSON.stringify(body)
	});
	return { status: response.status, body: (await response.json()) as T };
}

type Refusal = { error: { code: string; message: string } };

async function signIn(context: BrowserContext, client: ApiClient): Promise<void> {
	await context.addCookies([
		{ name: 'ferry_session', value: client.cookie('ferry_session')!, url: baseURL }
	]);
}

/** Invites a fresh user with `role` into the room through the API. */
async function joinAs(owner: ApiClient, roomId: string, name: string, role: 'member' | 'viewer') {
	const user = await newUser(baseURL, name);
	const invite = await owner.json<{ token: string }>('POST', `/api/rooms/${roomId}/invites`, {
		role
	});
	expect(invite.status).toBe(201);
	expect((await user.client.post(`/api/invites/${invite.body.token}/accept`)).status).toBe(200);
	return user;
}

function fileRow(page: Page, fileId: string) {
	return page.locator(`[data-testid="file"][data-file-id="${fileId}"]`);
}

/** Every request the context makes (page and workers): URL, headers and body. */
function recordRequests(context: BrowserContext): string[] {
	const seen: string[] = [];
	context.on('request', (request) => {
		seen.push(
			`${request.url()}\n${JSON.stringify(request.headers())}\n${request.postData() ?? ''}`
		);
	});
	return seen;
}

/** Files under the server's data folder (SQLite with its WAL, stored objects) holding `needle`. */
function dataFilesContaining(needle: Buffer): string[] {
	const hits: string[] = [];
	for (const entry of fs.readdirSync(dataDir, { withFileTypes: true, recursive: true })) {
		if (!entry.isFile()) continue;
		const full = path.join(entry.parentPath, entry.name);
		if (fs.readFileSync(full).includes(needle)) hits.push(full);
	}
	return hits;
}

describe('share links managed in the room view', () => {
	it('the owner makes a link with a password and a limit of 2, watches it get used up, reads its log and revokes it; members and viewers get only what their role allows', async () => {
		const owner = await newUser(baseURL, 'Olivia Owner');
		const room = await owner.client.json<{ id: string }>('POST', '/api/rooms', { name: 'Deals' });
		const roomId = room.body.id;
		const file = await uploadSmallFile(
			owner.client,
			roomId,
			new Uint8Array(new ArrayBuffer(5000)).fill(7),
			'contract.pdf',
			{ contentType: 'application/pdf' }
		);
		const member = await joinAs(owner.client, roomId, 'Mo Member', 'member');
		const viewer = await joinAs(owner.client, roomId, 'Vi Viewer', 'viewer');

		const ownerContext = await browser.newContext({ baseURL });
		const memberContext = await browser.newContext({ baseURL });
		const viewerContext = await browser.newContext({ baseURL });
		try {
			await signIn(ownerContext, owner.client);
			const page = await ownerContext.newPage();
			await page.goto(`/rooms/${roomId}`);
			await expect.poll(() => page.getByTestId('room-shares-empty').count()).toBe(1);

			// The dialog opens from the file's row, as a modal with the focus inside it.
			await fileRow(page, file.id).getByTestId('file-share').click();
			const dialog = page.getByTestId('share-dialog');
			await dialog.waitFor();
			expect(await dialog.evaluate((d) => (d as HTMLDialogElement).open)).toBe(true);
			expect(await page.evaluate(() => document.activeElement?.closest('dialog') !== null)).toBe(
				true
			);
			await expect.poll(() => dialog.getByTestId('share-list-empty').count()).toBe(1);

			// Mistakes are named next to their field, before anything is sent.
			await dialog.getByTestId('share-password').fill(PASSWORD);
			await dialog.getByTestId('share-max-downloads').fill('two');
			await dialog.getByTestId('share-allowed-ips').fill('10.0.0.0/8\n10.0.0.300');
			await dialog.getByTestId('share-create').click();
			expect(await dialog.getByTestId('share-error-maxDownloads').textContent()).toMatch(
				/whole number/
			);
			expect(await dialog.getByTestId('share-error-allowedIps').textContent()).toContain(
				'line 2 ("10.0.0.300"): use an IP address or a CIDR range, like 203.0.113.7, 10.0.0.0/8 or 2001:db8::/32'
			);
			expect(await dialog.getByTestId('share-allowed-ips').getAttribute('aria-describedby')).toBe(
				await dialog.getByTestId('share-error-allowedIps').getAttribute('id')
			);
			expect(await dialog.getByTestId('share-list-empty').count()).toBe(1);

			// Fixed, the link is made and shown once.
			await dialog.getByTestId('share-max-downloads').fill('2');
			await dialog.getByTestId('share-allowed-ips').fill('');
			await dialog.getByTestId('share-expiry').selectOption('7d');
			await dialog.getByTestId('share-create').click();
			const url = await dialog.getByTestId('share-url').inputValue();
			expect(url).toMatch(new RegExp(`^${baseURL}/s/[a-z2-7]{32}$`));
			expect(await dialog.getByTestId('share-once-note').textContent()).toMatch(
				/shown only once[\s\S]*keeps only a hash/
			);
			const token = url.split('/s/')[1]!;
			// The server keeps only the hash: the token itself is nowhere in its files.
			expect(dataFilesContaining(Buffer.from(token))).toEqual([]);

			// The link works for someone without an account, who is asked for the password.
			const info = await anonymous<{ requiresPassword: boolean; downloadsLeft: number }>(
				'GET',
				`/api/s/${token}`
			);
			expect(info.status).toBe(200);
			expect(info.body.requiresPassword).toBe(true);
			expect(info.body.downloadsLeft).toBe(2);

			// The file's list in the dialog shows it, unused.
			const dialogRow = dialog.getByTestId('share-row');
			await expect.poll(() => dialogRow.count()).toBe(1);
			expect(await dialogRow.getByTestId('share-downloads').textContent()).toBe('0/2');
			expect(await dialogRow.getByTestId('share-password-flag').textContent()).toBe('yes');
			expect(await dialogRow.getByTestId('share-state').textContent()).toBe('active');
			expect(await dialogRow.getByTestId('share-created-by').textContent()).toBe('by you');
			expect(await dialogRow.getByTestId('share-expires').textContent()).not.toBe('never');

			// Escape closes it, and the room's Shares section lists the link with its file.
			await page.keyboard.press('Escape');
			await expect.poll(() => dialog.count()).toBe(0);
			expect(
				await page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.testid)
			).toBe('file-share');
			const roomRow = page.getByTestId('room-shares').getByTestId('share-row');
			await expect.poll(() => roomRow.count()).toBe(1);
			expect(await roomRow.getByTestId('share-file').textContent()).toBe('contract.pdf');
			expect(await roomRow.getByTestId('share-downloads').textContent()).toBe('0/2');

			// Two downloads with the password; the third is refused.
			for (let i = 0; i < 2; i++) {
				const ok = await anonymous<{ grant: string }>('POST', `/api/s/${token}/download`, {
					password: PASSWORD
				});
				expect(ok.status).toBe(200);
			}
			const third = await anonymous<Refusal>('POST', `/api/s/${token}/download`, {
				password: PASSWORD
			});
			expect(third.status).toBe(410);
			expect(third.body.error.code).toBe('limit_reached');

			// After a reload the list says so, and the log has every attempt in words.
			await page.reload();
			await expect.poll(() => roomRow.getByTestId('share-state').textContent()).toBe('used up');
			expect(await roomRow.getByTestId('share-downloads').textContent()).toBe('2/2');
			await roomRow.getByTestId('share-log-toggle').click();
			const entries = page.getByTestId('share-log-entry');
			await expect.poll(() => entries.count()).toBe(4);
			expect(await entries.getByTestId('share-log-outcome').allTextContents()).toEqual([
				'allowed',
				'allowed',
				'allowed',
				'refused: no downloads left'
			]);
			expect(await entries.first().textContent()).toContain('share-manage-recipient/1.0');

			// A member may share too, but not manage the owner's link: no Revoke, and the API agrees.
			await signIn(memberContext, member.client);
			const memberPage = await memberContext.newPage();
			await memberPage.goto(`/rooms/${roomId}`);
			await fileRow(memberPage, file.id).getByTestId('file-share').waitFor();
			const memberRow = memberPage.getByTestId('room-shares').getByTestId('share-row');
			await expect.poll(() => memberRow.count()).toBe(1);
			expect(await memberRow.getByTestId('share-created-by').textContent()).toBe('by Olivia Owner');
			expect(await memberRow.getByTestId('share-revoke').count()).toBe(0);
			expect(await memberRow.getByTestId('share-log-toggle').count()).toBe(0);
			const shareId = (await roomRow.getAttribute('data-share-id'))!;
			const memberRevoke = await member.client.json<Refusal>('DELETE', `/api/shares/${shareId}`);
			expect(memberRevoke.status).toBe(403);
			expect(memberRevoke.body.error.code).toBe('forbidden');
			expect(
				(await member.client.json<Refusal>('GET', `/api/shares/${shareId}/access-log`)).status
			).toBe(403);

			// A viewer sees no Share button and no Shares section; the API refuses them as well.
			await signIn(viewerContext, viewer.client);
			const viewerPage = await viewerContext.newPage();
			await viewerPage.goto(`/rooms/${roomId}`);
			await fileRow(viewerPage, file.id).getByTestId('file-download').waitFor();
			expect(await fileRow(viewerPage, file.id).getByTestId('file-share').count()).toBe(0);
			expect(await viewerPage.getByTestId('room-shares').count()).toBe(0);
			const viewerCreate = await viewer.client.json<Refusal>(
				'POST',
				`/api/files/${file.id}/shares`,
				{}
			);
			expect(viewerCreate.status).toBe(403);
			expect(viewerCreate.body.error.code).toBe('forbidden');
			expect((await viewer.client.json('GET', `/api/rooms/${roomId}/shares`)).status).toBe(403);

			// The owner revokes it through the UI: confirmed, shown at once, refused by the API.
			await roomRow.getByTestId('share-revoke').click();
			await page.getByTestId('share-revoke-cancel').click();
			expect(await roomRow.getByTestId('share-state').textContent()).toBe('used up');
			await roomRow.getByTestId('share-revoke').click();
			await page.getByTestId('share-revoke-confirm').click();
			await expect.poll(() => roomRow.getByTestId('share-state').textContent()).toBe('revoked');
			expect(await roomRow.getByTestId('share-revoke').count()).toBe(0);
			const afterRevoke = await anonymous<Refusal>('GET', `/api/s/${token}`);
			expect(afterRevoke.status).toBe(410);
			expect(afterRevoke.body.error.code).toBe('revoked');
			await page.reload();
			await expect.poll(() => roomRow.getByTestId('share-state').textContent()).toBe('revoked');
		} finally {
			await ownerContext.close();
			await memberContext.close();
			await viewerContext.close();
		}
	});

	it('a link to a file of an end-to-end encrypted room carries the file key in its fragment, and the server never gets the key', async () => {
		const { client } = await newUser(baseURL, 'Esther');
		const context = await browser.newContext({ baseURL });
		const requests = recordRequests(context);
		try {
			await signIn(context, client);
			const page = await context.newPage();
			await page.goto('/');
			await page.getByTestId('room-name-input').fill('Sealed');
			await page.getByTestId('room-e2ee').check();
			await page.getByTestId('create-room').click();
			await page.waitForURL('**/rooms/**');

			const name = `Merger plan ${Date.now()}.txt`;
			const upload = bigFile(200_000, name);
			await page.getByTestId('file-input').setInputFiles(upload.path);
			const transfer = transferOf(page, name);
			await expect
				.poll(() => transfer.state.textContent(), { timeout: 60_000, interval: 100 })
				.toBe('Done');
			const fileId = (await transfer.item.getAttribute('data-file-id'))!;
			const row = fileRow(page, fileId);
			await expect.poll(() => row.getByTestId('file-name').textContent()).toBe(name);

			await row.getByTestId('file-share').click();
			const dialog = page.getByTestId('share-dialog');
			await dialog.getByTestId('share-expiry').selectOption('1d');
			await dialog.getByTestId('share-create').click();
			const url = await dialog.getByTestId('share-url').inputValue();
			expect(url).toMatch(new RegExp(`^${baseURL}/s/[a-z2-7]{32}#k=[A-Za-z0-9_-]{43}$`));
			expect(await dialog.getByTestId('share-once-note').textContent()).toMatch(
				/file's key[\s\S]*never send it to a server/
			);
			const fragment = url.split('#k=')[1]!;
			const key = fileKeyFromFragment(`k=${fragment}`)!;
			expect(key.length).toBe(32);

			// The key in the link is the file's: it opens the sealed name the server hands recipients.
			const token = url.split('/s/')[1]!.split('#')[0]!;
			const info = await anonymous<{ fileName: string | null; encryptedMetadata: string }>(
				'GET',
				`/api/s/${token}`
			);
			expect(info.body.fileName).toBeNull();
			expect((await decryptMetadata(key, info.body.encryptedMetadata)).name).toBe(name);
			// The room lists it under its real name, which only this browser can read.
			await page.keyboard.press('Escape');
			await expect
				.poll(() => page.getByTestId('room-shares').getByTestId('share-file').textContent())
				.toBe(name);

			// No request the page or its workers made carried the key, in any spelling.
			const raw = Buffer.from(key);
			expect(requests.some((r) => r.includes(`/api/files/${fileId}/shares`))).toBe(true);
			for (const spelling of [fragment, raw.toString('base64'), raw.toString('hex')]) {
				expect(requests.filter((r) => r.includes(spelling))).toEqual([]);
			}
			// Nor is it in the server's files (SQLite and its WAL, stored objects) or its log.
			expect(dataFilesContaining(Buffer.from(fileId)).length).toBeGreaterThan(0);
			expect(dataFilesContaining(raw)).toEqual([]);
			expect(dataFilesContaining(Buffer.from(fragment))).toEqual([]);
			const logged = fs.existsSync(logFile) ? fs.readFileSync(logFile) : Buffer.alloc(0);
			expect(logged.includes(fragment)).toBe(false);
			expect(logged.includes(raw)).toBe(false);
		} finally {
			await context.close();
		}
	});
});
