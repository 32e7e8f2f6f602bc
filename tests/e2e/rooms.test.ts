import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchBrowser, uniqueEmail } from '../helpers/browser';

const baseURL = inject('ferryUrl');
const PASSWORD = 'correct horse battery staple';

let browser: Browser;
beforeAll(async () => {
	browser = await launchBrowser();
});
afterAll(async () => {
	await browser?.close();
});

/** Fills the sign-up form the page is on and waits until the app leaves /signup. */
async function signUp(page: Page, name: string, email = uniqueEmail(name.toLowerCase())): Promise<string> {
	await page.getByTestId('signup-name').fill(name);
	await page.getByTestId('signup-email').fill(email);
	await page.getByTestId('signup-password').fill(PASSWORD);
	await page.getByTestId('signup-submit').click();
	await page.waitForURL((url) => url.pathname !== '/signup');
	return email;
}

async function memberNames(page: Page): Promise<string[]> {
	return (await page.getByTestId('member-name').allTextContents()).map((name) => name.trim()).sort();
}

describe('rooms and invites in Chromium', () => {
	it('an owner invites someone who signs up through the invite link; both see both members', async () => {
		const owner = await browser.newContext({ baseURL });
		const guest = await browser.newContext({ baseURL });
		try {
			// Context A: signed out, / sends to sign-in, which links to sign-up and comes back.
			const a = await owner.newPage();
			await a.goto('/');
			expect(new URL(a.url()).pathname).toBe('/login');
			expect(new URL(a.url()).searchParams.get('next')).toBe('/');
			await a.getByTestId('to-signup').click();
			await a.waitForURL('**/signup?**');
			await signUp(a, 'Alice');
			expect(new URL(a.url()).pathname).toBe('/');
			await expect.poll(() => a.getByTestId('user-name').textContent()).toBe('Alice');
			await a.getByTestId('no-rooms').waitFor();

			await a.getByTestId('room-name-input').fill('Holiday photos');
			await a.getByTestId('create-room').click();
			await a.waitForURL('**/rooms/**');
			const roomPath = new URL(a.url()).pathname;
			expect(await a.getByTestId('room-title').textContent()).toBe('Holiday photos');
			expect(await a.getByTestId('my-role').textContent()).toBe('owner');
			// The areas the upload engine plugs into are there.
			await a.getByTestId('transfers').waitFor();
			expect(await a.getByTestId('file-input').getAttribute('multiple')).not.toBeNull();

			await a.getByTestId('invite-role').selectOption('member');
			await a.getByTestId('create-invite').click();
			const invite = a.getByTestId('invite-url');
			await invite.waitFor();
			const inviteUrl = await invite.inputValue();
			expect(inviteUrl).toMatch(new RegExp(`^${baseURL}/invite/[a-z0-9]+$`));

			// Context B: opens the link signed out, signs up from there, comes back, joins.
			const b = await guest.newPage();
			await b.goto(inviteUrl);
			expect(await b.getByTestId('invite-room-name').textContent()).toBe('Holiday photos');
			expect(await b.getByTestId('invite-role-label').textContent()).toBe('member');
			await b.getByTestId('invite-signup').click();
			await b.waitForURL('**/signup?**');
			await signUp(b, 'Bob');
			expect(b.url()).toBe(inviteUrl);
			await b.getByTestId('invite-join').click();
			await b.waitForURL(`**${roomPath}`);
			expect(await b.getByTestId('room-title').textContent()).toBe('Holiday photos');
			expect(await b.getByTestId('my-role').textContent()).toBe('member');
			expect(await memberNames(b)).toEqual(['Alice', 'Bob']);
			// A member sees roles but gets no owner controls.
			expect(await b.getByTestId('member-remove').count()).toBe(0);
			expect(await b.getByTestId('create-invite').count()).toBe(0);

			await a.reload();
			expect(await memberNames(a)).toEqual(['Alice', 'Bob']);
			const bobRow = a.locator('[data-testid="member"]', { hasText: 'Bob' });
			expect(await bobRow.getAttribute('data-role')).toBe('member');

			// Owner controls: make Bob a viewer; Bob's page shows it after a reload.
			await bobRow.getByTestId('member-role').selectOption('viewer');
			await expect.poll(() => bobRow.getAttribute('data-role')).toBe('viewer');
			await b.reload();
			expect(await b.getByTestId('my-role').textContent()).toBe('viewer');
			expect(await b.getByTestId('file-input').isDisabled()).toBe(true);
		} finally {
			await owner.close();
			await guest.close();
		}
	});

	it('shows API errors in the error banner, in words, with their code', async () => {
		const context = await browser.newContext({ baseURL });
		try {
			const page = await context.newPage();
			await page.goto('/signup');
			const email = await signUp(page, 'Carol');
			await page.getByTestId('sign-out').click();
			await page.waitForURL('**/login');

			await page.getByTestId('login-email').fill(email);
			await page.getByTestId('login-password').fill('not the password');
			await page.getByTestId('login-submit').click();
			const banner = page.getByTestId('error-banner');
			await banner.waitFor();
			expect(await banner.getAttribute('data-code')).toBe('invalid_credentials');
			expect(await banner.textContent()).toContain('The email or password is wrong.');

			await page.goto('/signup');
			await signUpExpectingError(page, email);
			expect(await banner.getAttribute('data-code')).toBe('email_taken');
			expect(await banner.textContent()).toContain('sign in instead');
		} finally {
			await context.close();
		}
	});

	it('says plainly that an unknown share link is not valid', async () => {
		const context = await browser.newContext({ baseURL });
		try {
			const page = await context.newPage();
			await page.goto('/s/not-a-real-token');
			// The recipient page asks GET /api/s/{token} from the browser (it must also reopen a
			// saved download of a link that has since been used up), which answers 404 not_found.
			await expect
				.poll(() => page.getByTestId('share-refusal').textContent(), { timeout: 10_000 })
				.toMatch(/not valid/);
			expect(await page.getByTestId('share-download').count()).toBe(0);
		} finally {
			await context.close();
		}
	});
});

async function signUpExpectingError(page: Page, email: string): Promise<void> {
	await page.getByTestId('signup-name').fill('Carol again');
	await page.getByTestId('signup-email').fill(email);
	await page.getByTestId('signup-password').fill(PASSWORD);
	await page.getByTestId('signup-submit').click();
	await page.getByTestId('error-banner').waitFor();
}
