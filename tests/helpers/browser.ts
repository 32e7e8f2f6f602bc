import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';

/**
 * Chromium from Debian (apt-get install -y chromium), driven by playwright-core.
 * We never download Playwright's own browsers (no `npx playwright install`).
 */
export const CHROMIUM_ARGS = [
	'--headless',
	'--no-sandbox',
	'--disable-gpu',
	'--disable-quic',
	'--no-first-run',
	'--disable-background-networking',
	'--disable-component-update',
	'--disable-sync'
];

export function chromiumPath(): string {
	const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
	if (!fs.existsSync(executablePath)) {
		throw new Error(`Chromium not found at ${executablePath}; install it with: apt-get install -y chromium (or set CHROMIUM_PATH)`);
	}
	return executablePath;
}

/** A browser for tests that need fresh, off-the-record contexts (one per simulated person). */
export function launchBrowser(): Promise<Browser> {
	return chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS });
}

/**
 * A browser with a real profile on disk. Needed where an off-the-record context
 * behaves differently: installability (Chromium refuses it "in incognito"),
 * Files kept in IndexedDB (copied, not referenced), resume after a restart.
 * Closing the context ends the browser; the folder stays for the next launch.
 */
export function launchPersistent(profileDir: string): Promise<BrowserContext> {
	return chromium.launchPersistentContext(profileDir, { executablePath: chromiumPath(), args: CHROMIUM_ARGS });
}

/** A fresh profile folder; remove it with `removeProfileDir` after the context is closed. */
export function makeProfileDir(): string {
	return fs.mkdtempSync(path.join(os.tmpdir(), 'ferry-profile-'));
}

export function removeProfileDir(dir: string): void {
	// Chromium may still be flushing files for a moment after it exits.
	fs.rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
}

let counter = 0;

/** A fresh email address per call, so tests never collide on the shared server. */
export function uniqueEmail(label: string): string {
	return `${label}-${Date.now()}-${process.pid}-${++counter}@example.test`;
}
