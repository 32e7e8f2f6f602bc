import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Checking files the page saves. Playwright cannot answer the system save picker, so tests
 * replace it with one that returns a file of the origin-private file system (pass this to
 * `context.addInitScript` for pages still to load, or `page.evaluate` for a loaded one).
 */
export const OPFS_SAVE_PICKER = (): void => {
	(window as unknown as { showSaveFilePicker: unknown }).showSaveFilePicker = async (options?: {
		suggestedName?: string;
	}) => {
		const root = await navigator.storage.getDirectory();
		return root.getFileHandle(options?.suggestedName ?? 'download', { create: true });
	};
};

/**
 * Hashes whatever a page POSTs to it (CORS open, preflight answered). A saved file sent as a
 * File body streams from disk, so a gigabyte never crosses DevTools or sits in memory.
 */
export async function startHashServer(): Promise<{ url: string; close: () => void }> {
	const server = http.createServer((request, response) => {
		if (request.method === 'OPTIONS') {
			response.writeHead(204, {
				'access-control-allow-origin': '*',
				'access-control-allow-methods': 'POST',
				'access-control-allow-headers': '*',
				'access-control-allow-private-network': 'true'
			});
			return response.end();
		}
		const hash = createHash('sha256');
		let bytes = 0;
		request.on('data', (chunk: Buffer) => {
			hash.update(chunk);
			bytes += chunk.length;
		});
		request.on('end', () => {
			response.writeHead(200, {
				'content-type': 'application/json',
				'access-control-allow-origin': '*'
			});
			response.end(JSON.stringify({ sha256: hash.digest('hex'), bytes }));
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	return {
		url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
		close: () => server.close()
	};
}
