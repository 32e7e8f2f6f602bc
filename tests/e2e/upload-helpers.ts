import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { expect } from 'vitest';
import { newUser, type ApiClient } from '../helpers/api-client';

export const MiB = 1024 * 1024;

const made = new Map<string, { path: string; sha256: string }>();

/**
 * A file of random bytes on disk (the browser reads it from there: in-memory Blobs are capped
 * at ~500 MiB). Cached per size for the run; the SHA-256 is computed while writing.
 */
export function bigFile(size: number, name = `ferry-e2e-${size}.bin`): { path: string; sha256: string; name: string } {
	const key = `${size}:${name}`;
	const cached = made.get(key);
	if (cached && fs.existsSync(cached.path)) return { ...cached, name };
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ferry-upload-'));
	const file = path.join(dir, name);
	const fd = fs.openSync(file, 'w');
	const hash = createHash('sha256');
	const chunk = 8 * MiB;
	for (let written = 0; written < size; written += chunk) {
		const bytes = randomBytes(Math.min(chunk, size - written));
		hash.update(bytes);
		fs.writeSync(fd, bytes);
	}
	fs.closeSync(fd);
	// Whole seconds, so a test can put the date back exactly (utimes rounds sub-millisecond parts).
	const date = new Date(Math.floor(Date.now() / 1000) * 1000);
	fs.utimesSync(file, date, date);
	const result = { path: file, sha256: hash.digest('hex') };
	made.set(key, result);
	return { ...result, name };
}

export function removeBigFiles(): void {
	for (const { path: file } of made.values()) fs.rmSync(path.dirname(file), { recursive: true, force: true });
	made.clear();
}

/** A fresh user with a room, signed in inside `context` through the session cookie. */
export async function signedInRoom(context: BrowserContext, baseUrl: string): Promise<{ client: ApiClient; roomId: string }> {
	const { client } = await newUser(baseUrl, 'Uploader');
	const room = await client.json<{ id: string }>('POST', '/api/rooms', { name: 'Uploads' });
	expect(room.status).toBe(201);
	const session = client.cookie('ferry_session');
	expect(session).toBeTruthy();
	await context.addCookies([{ name: 'ferry_session', value: session!, url: baseUrl }]);
	return { client, roomId: room.body.id };
}

export function transferOf(page: Page, name: string) {
	const item = page.getByTestId('transfer').filter({ has: page.getByTestId('transfer-name').getByText(name, { exact: true }) });
	return {
		item,
		state: item.getByTestId('transfer-state'),
		progress: item.getByTestId('transfer-progress'),
		percent: async () => Number(await item.getByTestId('transfer-progress').getAttribute('aria-valuenow'))
	};
}

/** Polls `fn` until it returns true. */
export async function until(fn: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!(await fn())) {
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await new Promise((r) => setTimeout(r, 100));
	}
}

/** Downloads a stored file through the API (presigned GET) and hashes it as it streams. */
export async function downloadSha256(client: ApiClient, fileId: string, transform?: TransformStream<Uint8Array<ArrayBuffer>, Uint8Array<ArrayBuffer>>): Promise<{ sha256: string; bytes: number }> {
	const link = await client.json<{ url: string }>('GET', `/api/files/${fileId}/download`);
	expect(link.status).toBe(200);
	const url = new URL(link.body.url, client.baseUrl).toString();
	const response = await fetch(url);
	expect(response.status).toBe(200);
	let body = response.body! as ReadableStream<Uint8Array<ArrayBuffer>>;
	if (transform) body = body.pipeThrough(transform);
	const hash = createHash('sha256');
	let bytes = 0;
	const reader = body.getReader();
	for (let next = await reader.read(); !next.done; next = await reader.read()) {
		hash.update(next.value);
		bytes += next.value.length;
	}
	return { sha256: hash.digest('hex'), bytes };
}

export interface RoomFileView {
	id: string;
	name: string;
	size: number;
	encryption: { header: unknown } | null;
}

export async function roomFiles(client: ApiClient, roomId: string): Promise<RoomFileView[]> {
	const res = await client.json<{ files: RoomFileView[] }>('GET', `/api/rooms/${roomId}/files`);
	expect(res.status).toBe(200);
	return res.body.files;
}

/** Part PUTs to local-disk storage seen by the context (page and its dedicated worker). */
export function countPartPuts(context: BrowserContext): { count: () => number; parts: () => number[] } {
	const seen: number[] = [];
	context.on('request', (request) => {
		if (request.method() !== 'PUT') return;
		const url = new URL(request.url());
		if (url.pathname.startsWith('/storage/local/') && url.pathname.endsWith('/part')) seen.push(Number(url.searchParams.get('part')));
	});
	return { count: () => seen.length, parts: () => [...seen] };
}
