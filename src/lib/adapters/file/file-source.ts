import { TransferError } from '$lib/core/errors';
import type { FileSource, PartBody } from '$lib/ports';

function readError(error: unknown): TransferError {
	const name = (error as { name?: unknown } | null)?.name;
	// NotReadableError / NotFoundError: the disk file changed or went away since it was picked.
	const message =
		name === 'NotFoundError' ? 'the file is no longer there' : 'the file can no longer be read';
	return new TransferError('file_unreadable', message, { cause: error });
}

/** FileSource over a File or Blob: slices are lazy; bytes are read only for one part. */
export class BlobFileSource implements FileSource {
	readonly name: string;
	readonly size: number;
	readonly lastModified: number;
	readonly type: string;
	readonly #blob: Blob;

	constructor(blob: Blob, identity: { name?: string; lastModified?: number } = {}) {
		this.#blob = blob;
		this.size = blob.size;
		this.type = blob.type;
		this.name = identity.name ?? (blob instanceof File ? blob.name : 'blob');
		this.lastModified = identity.lastModified ?? (blob instanceof File ? blob.lastModified : 0);
	}

	slice(start: number, end: number): PartBody {
		return this.#blob.slice(start, end);
	}

	async read(start: number, end: number): Promise<Uint8Array> {
		try {
			const buffer = await this.#blob.slice(start, end).arrayBuffer();
			return new Uint8Array(buffer);
		} catch (error) {
			throw readError(error);
		}
	}
}

/**
 * Stands in for a file the browser can no longer give us (after a reload without a stored
 * copy): same identity, so the transfer resumes from the server's parts, but reading fails
 * with 'file_unreadable' and the core moves to 'waiting-for-file' until `replaceFile`.
 */
export class MissingFileSource implements FileSource {
	constructor(
		readonly name: string,
		readonly size: number,
		readonly lastModified: number,
		readonly type: string
	) {}

	slice(): PartBody {
		throw new TransferError('file_unreadable', 'pick the file again to continue');
	}

	read(): Promise<Uint8Array> {
		return Promise.reject(new TransferError('file_unreadable', 'pick the file again to continue'));
	}
}

/** True when the browser can still read the stored File (a reference to a changed file cannot). */
export async function isReadable(blob: Blob): Promise<boolean> {
	try {
		await blob.slice(0, Math.min(1, blob.size)).arrayBuffer();
		return true;
	} catch {
		return false;
	}
}
