import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchBrowser, launchPersistent, makeProfileDir, removeProfileDir, uniqueEmail } from '../helpers/browser';

const baseURL = inject('ferryUrl');

let browser: Browser;
beforeAll(async () => {
	browser = await launchBrowser();
});
afterAll(async () => {
	await browser?.close();
});

async function signUp(page: Page, name: string): Promise<void> {
	await page.goto(`${baseURL}/signup`);
	await page.getByTestId('signup-name').fill(name);
	await page.getByTestId('signup-email').fill(uniqueEmail(name.toLowerCase()));
	await page.getByTestId('signup-password').fill('correct horse battery staple');
	await page.getByTestId('signup-submit').click();
	await page.waitForURL(`${baseURL}/`);
}

/**
 * Waits until the service worker is activated (so its precache is complete) and
 * controls the page. `ready` alone is not enough: it resolves while the worker
 * may still be `activating`.
 */
async function waitForServiceWorker(page: Page): Promise<string | undefined> {
	return page.evaluate(async () => {
		const registration = await navigator.serviceWorker.ready;
		const worker = registration.active;
		if (worker && worker.state !== 'activated') {
			await new Promise<void>((resolve) => {
				const check = () => {
					if (worker.state === 'activated') resolve();
				};
				worker.addEventListener('statechange', check);
				check();
			});
		}
		if (!navigator.serviceWorker.controller) {
			await new Promise((resolve) => navigator.serviceWorker.addEventListener('controllerchange', resolve, { once: true }));
		}
		return registration.active?.state;
	});
}

/** Asks the controlling worker for its version over the typed message protocol. */
async function askVersion(page: Page): Promise<unknown> {
	return page.evaluate(
		() =>
			new Promise((resolve) => {
				const channel = new MessageChannel();
				channel.port1.onmessage = (event) => resolve(event.data);
				navigator.serviceWorker.controller?.postMessage({ type: 'GET_VERSION', requestId: 'e2e-1' }, [channel.port2]);
			})
	);
}

describe('PWA shell in Chromium', () => {
	it('opens the app shell while offline after a first visit', async () => {
		const context = await browser.newContext();
		try {
			const page = await context.newPage();
			await signUp(page, 'Olivia');
			expect(await waitForServiceWorker(page)).toBe('activated');
			expect(await askVersion(page)).toEqual({ type: 'VERSION', requestId: 'e2e-1', version: expect.stringMatching(/.+/) });

			await context.setOffline(true);
			// A reload that failed would throw net::ERR_INTERNET_DISCONNECTED (Chromium's error page).
			const reloaded = await page.reload();
			expect(reloaded?.status()).toBe(200);
			await page.getByTestId('offline').waitFor();
			expect(await page.locator('h1').textContent()).toBe('You are offline');
			await page.getByTestId('offline-queue').waitFor();
			expect(await page.getByTestId('app-name').textContent()).toContain('Ferry');

			// Any page of the app, not just the one visited before.
			await page.goto(`${baseURL}/rooms/some-room-never-visited`);
			await page.getByTestId('offline').waitFor();
			expect(new URL(page.url()).pathname).toBe('/rooms/some-room-never-visited');

			// Back online, the real page comes from the network again.
			await context.setOffline(false);
			await page.goto(`${baseURL}/`);
			await page.getByTestId('no-rooms').waitFor();
			expect(await page.getByTestId('offline').count()).toBe(0);
		} finally {
			await context.close();
		}
	});

	it('is installable: Chromium reports no installability errors on the room list', async () => {
		// An off-the-record context is never installable ("in-incognito"), so use a real profile.
		const profileDir = makeProfileDir();
		const context = await launchPersistent(profileDir);
		try {
			const page = context.pages()[0] ?? (await context.newPage());
			await signUp(page, 'Ines');
			await waitForServiceWorker(page);
			const cdp = await context.newCDPSession(page);
			const manifest = (await cdp.send('Page.getAppManifest')) as { url: string; errors: unknown[] };
			expect(manifest.url).toBe(`${baseURL}/manifest.webmanifest`);
			expect(manifest.errors).toEqual([]);
			const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
			expect(installabilityErrors).toEqual([]);
		} finally {
			await context.close();
			removeProfileDir(profileDir);
		}
	});

	it('serves the manifest with its icons as real PNGs of the declared sizes', async () => {
		const response = await fetch(`${baseURL}/manifest.webmanifest`);
		expect(response.status).toBe(200);
		expect(response.headers.get('content-type')).toMatch(/^application\/manifest\+json/);
		const manifest = (await response.json()) as {
			name: string;
			short_name: string;
			start_url: string;
			scope: string;
			display: string;
			theme_color: string;
			background_color: string;
			icons: { src: string; sizes: string; type: string; purpose?: string }[];
		};
		expect(manifest).toMatchObject({ name: 'Ferry', short_name: 'Ferry', start_url: '/', scope: '/', display: 'standalone', theme_color: '#0f766e' });
		expect(manifest.background_color).toMatch(/^#[0-9a-f]{6}$/i);
		expect(manifest.icons.map((icon) => `${icon.sizes} ${icon.purpose ?? 'any'}`).sort()).toEqual(['192x192 any', '512x512 any', '512x512 maskable']);

		for (const icon of manifest.icons) {
			const image = await fetch(new URL(icon.src, baseURL));
			expect(image.status, icon.src).toBe(200);
			expect(image.headers.get('content-type'), icon.src).toBe('image/png');
			const bytes = Buffer.from(await image.arrayBuffer());
			expect(bytes.subarray(0, 8).toString('hex'), icon.src).toBe('89504e470d0a1a0a');
			const [width, height] = icon.sizes.split('x').map(Number);
			// IHDR is the first chunk: width and height at bytes 16 and 20.
			expect([bytes.readUInt32BE(16), bytes.readUInt32BE(20)], icon.src).toEqual([width, height]);
		}
	});
});
