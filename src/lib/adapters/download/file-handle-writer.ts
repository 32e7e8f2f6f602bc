import type { CheckpointingWriter } from '$lib/core/download';

/**
 * Writes a download at its offsets into a file the user picked with `showSaveFilePicker`.
 * Chromium writes a FileSystemWritableFileStream to a swap file and moves it over the real
 * file on close(), so close() is the checkpoint: the core marks ranges done only after it, and
 * the stream is reopened with keepExistingData so the next writes keep what is there.
 */
export class FileHandleWriter implements CheckpointingWriter {
	readonly mode = 'offset' as const;
	readonly #handle: FileSystemFileHandle;
	readonly #size: number;
	#stream: FileSystemWritableFileStream | null = null;

	constructor(handle: FileSystemFileHandle, size: number) {
		this.#handle = handle;
		this.#size = size;
	}

	async #open(): Promise<FileSystemWritableFileStream> {
		if (!this.#stream) {
			this.#stream = await this.#handle.createWritable({ keepExistingData: true });
			// Sized up front: offsets past the end would otherwise leave the file short until the end.
			await this.#stream.truncate(this.#size);
		}
		return this.#stream;
	}

	async write(position: number, bytes: Uint8Array<ArrayBuffer>): Promise<void> {
		const stream = await this.#open();
		await stream.write({ type: 'write', position, data: bytes });
	}

	async checkpoint(): Promise<void> {
		const stream = this.#stream;
		this.#stream = null;
		await stream?.close();
	}

	async close(): Promise<void> {
		if (!this.#stream) {
			// Nothing written in this session (an empty file, or all ranges already there).
			await (await this.#open()).close();
			this.#stream = null;
			return;
		}
		await this.checkpoint();
	}

	async abort(): Promise<void> {
		const stream = this.#stream;
		this.#stream = null;
		await stream?.abort().catch(() => {});
	}
}
