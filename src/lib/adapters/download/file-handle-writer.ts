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
		// Not sized up front: reopening with keepExistingData copies the whole file as it stands,
		// so a file truncated to its full size at the start cost a full copy at every checkpoint
		// (2 GiB downloads ran at a fifth of raw speed). A write past the end extends the file.
		this.#stream ??= await this.#handle.createWritable({ keepExistingData: true });
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
		// Exactly the file's size: also right for an empty file, or when nothing was written in
		// this session because every range was already there.
		const stream = await this.#open();
		await stream.truncate(this.#size);
		await this.checkpoint();
	}

	async abort(): Promise<void> {
		const stream = this.#stream;
		this.#stream = null;
		await stream?.abort().catch(() => {});
	}
}
