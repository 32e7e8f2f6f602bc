/**
 * Messages between the recipient page and the service worker for the stream fallback
 * (browsers without the save picker): the page feeds a download's bytes, in order, into a
 * ReadableStream the worker serves at /download-stream/{id} with Content-Disposition, so the
 * browser's own download saves it. The page sends a chunk only when the stream pulls one.
 */
export const DOWNLOAD_STREAM_PATH = '/download-stream/';

export type DownloadStreamMessage =
	| {
			readonly type: 'DOWNLOAD_STREAM_OPEN';
			readonly id: string;
			readonly fileName: string;
			readonly size: number;
	  }
	| { readonly type: 'DOWNLOAD_STREAM_CHUNK'; readonly id: string; readonly bytes: Uint8Array }
	| { readonly type: 'DOWNLOAD_STREAM_END'; readonly id: string }
	| { readonly type: 'DOWNLOAD_STREAM_ABORT'; readonly id: string }
	/** Sent every few seconds: each message is an event, which keeps the worker alive. */
	| { readonly type: 'DOWNLOAD_STREAM_PING'; readonly id: string };

/** What the worker says on the port the page handed over with OPEN. */
export type DownloadStreamSignal =
	{ readonly type: 'ready' } | { readonly type: 'pull' } | { readonly type: 'cancelled' };

const TYPES = new Set([
	'DOWNLOAD_STREAM_OPEN',
	'DOWNLOAD_STREAM_CHUNK',
	'DOWNLOAD_STREAM_END',
	'DOWNLOAD_STREAM_ABORT',
	'DOWNLOAD_STREAM_PING'
]);

export function isDownloadStreamMessage(value: unknown): value is DownloadStreamMessage {
	if (typeof value !== 'object' || value === null) return false;
	const v = value as Record<string, unknown>;
	if (typeof v.type !== 'string' || !TYPES.has(v.type) || typeof v.id !== 'string') return false;
	if (!/^[a-f0-9]{32}$/.test(v.id)) return false;
	if (v.type === 'DOWNLOAD_STREAM_OPEN') {
		return typeof v.fileName === 'string' && typeof v.size === 'number' && v.size >= 0;
	}
	if (v.type === 'DOWNLOAD_STREAM_CHUNK') return v.bytes instanceof Uint8Array;
	return true;
}

/** `attachment; filename="…"; filename*=UTF-8''…` with a plain ASCII fallback. */
export function attachmentDisposition(fileName: string): string {
	const ascii = fileName.replace(/[^\x20-\x7e]|["\\]/g, '_');
	return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}
