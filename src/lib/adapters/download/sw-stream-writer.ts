import { TransferError } from '$lib/core/errors';
import type { DownloadWriter } from '$lib/core/download';
import {
	DOWNLOAD_STREAM_PATH,
	type DownloadStreamMessage,
	type DownloadStreamSignal
} from './stream-protocol';

const PING_MS = 10_000;

/**
 * The sequential writer for browsers without the save picker: bytes go, in order, to the
 * service worker, which streams them into the browser's own download (see
 * src/service-worker/download-stream.ts). A chunk is posted only when the stream pulls, so the
 * worker holds one chunk at most. A closed stream cannot be continued: no resume here.
 */
export class ServiceWorkerStreamWriter implements DownloadWriter {
	readonly mode = 'sequential' as const;
	readonly #worker: ServiceWorker;
	readonly #id: string;
	readonly #port: MessagePort;
	#credits = 0;
	#waiting: { resolve(): void; reject(error: unknown): void } | null = null;
	#cancelled = false;
	#ping: ReturnType<typeof setInterval>;

	private constructor(worker: ServiceWorker, id: string, port: MessagePort) {
		this.#worker = worker;
		this.#id = id;
		this.#port = port;
		port.onmessage = (event: MessageEvent<DownloadStreamSignal>) => this.#onSignal(event.data);
		// Each message is an event for the worker, which keeps it alive between slow chunks.
		this.#ping = setInterval(() => this.#post({ type: 'DOWNLOAD_STREAM_PING', id }), PING_MS);
	}

	/** Null when no service worker controls the page (a first visit before it took over). */
	static async open(fileName: string, size: number): Promise<ServiceWorkerStreamWriter | null> {
		const worker = navigator.serviceWorker?.controller;
		if (!worker) return null;
		const id = Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) =>
			b.toString(16).padStart(2, '0')
		).join('');
		const channel = new MessageChannel();
		const ready = new Promise<boolean>((resolve) => {
			const timer = setTimeout(() => resolve(false), 5000);
			channel.port1.onmessage = (event: MessageEvent<DownloadStreamSignal>) => {
				clearTimeout(timer);
				resolve(event.data.type === 'ready');
			};
		});
		const open: DownloadStreamMessage = { type: 'DOWNLOAD_STREAM_OPEN', id, fileName, size };
		worker.postMessage(open, [channel.port2]);
		if (!(await ready)) return null;
		const writer = new ServiceWorkerStreamWriter(worker, id, channel.port1);
		// A hidden frame navigates to the stream; its Content-Disposition makes it a download.
		const frame = document.createElement('iframe');
		frame.hidden = true;
		frame.src = `${DOWNLOAD_STREAM_PATH}${id}`;
		document.body.append(frame);
		return writer;
	}

	#post(message: DownloadStreamMessage, transfer: Transferable[] = []): void {
		this.#worker.postMessage(message, transfer);
	}

	#onSignal(message: DownloadStreamSignal): void {
		if (message.type === 'pull') this.#credits += 1;
		if (message.type === 'cancelled') this.#cancelled = true;
		const waiting = this.#waiting;
		this.#waiting = null;
		if (!waiting) return;
		if (this.#cancelled) waiting.reject(cancelledError());
		else waiting.resolve();
	}

	async #credit(): Promise<void> {
		while (this.#credits === 0) {
			if (this.#cancelled) throw cancelledError();
			await new Promise<void>((resolve, reject) => (this.#waiting = { resolve, reject }));
		}
		this.#credits -= 1;
	}

	async write(_position: number, bytes: Uint8Array<ArrayBuffer>): Promise<void> {
		await this.#credit();
		this.#post({ type: 'DOWNLOAD_STREAM_CHUNK', id: this.#id, bytes }, [bytes.buffer]);
	}

	async close(): Promise<void> {
		clearInterval(this.#ping);
		this.#post({ type: 'DOWNLOAD_STREAM_END', id: this.#id });
		this.#port.close();
	}

	async abort(): Promise<void> {
		clearInterval(this.#ping);
		this.#post({ type: 'DOWNLOAD_STREAM_ABORT', id: this.#id });
		this.#port.close();
	}
}

function cancelledError(): TransferError {
	return new TransferError('aborted', 'the download was cancelled in the browser', {
		retryable: false
	});
}
