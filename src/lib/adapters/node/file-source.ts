import { open, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { TransferError } from '../../core/errors';
import type { FileSource } from '../../ports';

/** Bytes per read while streaming a range: big enough for few syscalls, small enough to stream. */
const STREAM_CHUNK = 1024 * 1024;

interface Identity {
	readonly path: string;
	readonly size: number;
	readonly lastModified: number;
}

/** Opens the file and checks it is still the one we started with (size and mtime, like a File). */
async function openChecked(file: Identity): Promise<FileHandle> {
	let handle: FileHandle;
	try {
		handle = await open(file.path, 'r');
	} catch (error) {
		throw unreadable(file, error);
	}
	try {
		const now = await handle.stat();
		if (now.size !== file.size || Math.floor(now.mtimeMs) !== file.lastModified) {
			throw new TransferError('file_changed', `${file.path} changed since the upload started`);
		}
		return handle;
	} catch (error) {
		await handle.close().catch(() => {});
		throw error instanceof TransferError ? error : unreadable(file, error);
	}
}

function unreadable(file: Identity, error: unknown): TransferError {
	return new TransferError('file_unreadable', `cannot read ${file.path}`, { cause: error });
}

/** Fills `target` from `position`; a file that ends early was truncated under us. */
async function readFully(
	handle: FileHandle,
	file: Identity,
	target: Uint8Array,
	position: number
): Promise<void> {
	let filled = 0;
	while (filled < target.length) {
		let bytesRead: number;
		try {
			({ bytesRead } = await handle.read(
				target,
				filled,
				target.length - filled,
				position + filled
			));
		} catch (error) {
			throw unreadable(file, error);
		}
		if (bytesRead === 0) {
			throw new TransferError('file_changed', `${file.path} is shorter than when it was opened`);
		}
		filled += bytesRead;
	}
}

/**
 * A lazy range of a file on disk: nothing is read until `stream()` is called, and then one
 * chunk at a time as the consumer pulls (the Node counterpart of `Blob.slice()`).
 */
export class FileRangeBody {
	readonly size: number;

	constructor(
		readonly file: Identity,
		readonly start: number,
		readonly end: number
	) {
		this.size = end - start;
	}

	stream(): ReadableStream<Uint8Array> {
		const { file, end } = this;
		let position = this.start;
		let handle: FileHandle | null = null;
		const close = async (): Promise<void> => {
			const h = handle;
			handle = null;
			await h?.close().catch(() => {});
		};
		return new ReadableStream<Uint8Array>({
			async pull(controller) {
				try {
					handle ??= await openChecked(file);
					if (position >= end) {
						await close();
						controller.close();
						return;
					}
					const chunk = new Uint8Array(Math.min(STREAM_CHUNK, end - position));
					await readFully(handle, file, chunk, position);
					position += chunk.length;
					controller.enqueue(chunk);
				} catch (error) {
					await close();
					controller.error(error);
				}
			},
			cancel: close
		});
	}
}

/**
 * A file on disk as the core's FileSource. Ranges are read with positioned reads on a handle
 * opened per call, never the whole file, and every open re-checks size and mtime, so a file
 * replaced or edited mid-upload is reported as 'file_changed' instead of being sent mixed.
 */
export class NodeFileSource implements FileSource {
	readonly name: string;
	readonly size: number;
	readonly lastModified: number;
	readonly type: string;
	readonly #identity: Identity;

	constructor(init: {
		path: string;
		size: number;
		lastModified: number;
		name?: string;
		type?: string;
	}) {
		this.name = init.name ?? path.basename(init.path);
		this.size = init.size;
		this.lastModified = init.lastModified;
		this.type = init.type ?? '';
		this.#identity = { path: init.path, size: init.size, lastModified: init.lastModified };
	}

	get path(): string {
		return this.#identity.path;
	}

	slice(start: number, end: number): FileRangeBody {
		this.#checkRange(start, end);
		return new FileRangeBody(this.#identity, start, end);
	}

	async read(start: number, end: number): Promise<Uint8Array<ArrayBuffer>> {
		this.#checkRange(start, end);
		const bytes = new Uint8Array(end - start);
		if (bytes.length === 0) return bytes;
		const handle = await openChecked(this.#identity);
		try {
			await readFully(handle, this.#identity, bytes, start);
		} finally {
			await handle.close().catch(() => {});
		}
		return bytes;
	}

	#checkRange(start: number, end: number): void {
		if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start) {
			throw new RangeError(`bad range [${start}, ${end})`);
		}
		if (end > this.size) throw new RangeError(`range end ${end} is past the file (${this.size})`);
	}
}

/** Stats `filePath` once; its size and mtime are the identity later reads are checked against. */
export async function openFileSource(
	filePath: string,
	options: { name?: string; type?: string } = {}
): Promise<NodeFileSource> {
	const info = await stat(filePath);
	if (!info.isFile()) throw new Error(`${filePath} is not a regular file`);
	return new NodeFileSource({
		path: path.resolve(filePath),
		size: info.size,
		lastModified: Math.floor(info.mtimeMs),
		...options
	});
}
