/**
 * Stages a download in the origin-private file system and streams it, in order, into the file
 * the person picked (see adapters/download/staged-file-writer.ts for why).
 *
 * - Ranges land in the staging file through a FileSystemSyncAccessHandle: a plain write at
 *   the range's offset, no swap file, kept on disk when the tab or the browser dies.
 * - A pump copies the staged bytes that have become contiguous from the start into the picked
 *   file's writable stream, sequentially, while the download goes on. The stream is committed
 *   once, at the end; if the session dies first, the next one copies the staged prefix again.
 */
import * as Comlink from 'comlink';

const STAGING_DIR = 'ferry-downloads';
const COPY_CHUNK = 8 * 1024 * 1024;

/** Byte spans [start, end) already in the staging file, kept merged and sorted. */
class Spans {
	#spans: [number, number][] = [];

	add(start: number, end: number): void {
		if (end <= start) return;
		const merged: [number, number][] = [];
		let next: [number, number] = [start, end];
		for (const span of this.#spans) {
			if (span[1] < next[0] || span[0] > next[1]) merged.push(span);
			else next = [Math.min(span[0], next[0]), Math.max(span[1], next[1])];
		}
		merged.push(next);
		this.#spans = merged.sort((a, b) => a[0] - b[0]);
	}

	/** Where the bytes contiguous from 0 end. */
	prefixEnd(): number {
		const first = this.#spans[0];
		return first && first[0] === 0 ? first[1] : 0;
	}

	maxEnd(): number {
		return this.#spans.reduce((max, span) => Math.max(max, span[1]), 0);
	}
}

interface Session {
	dir: FileSystemDirectoryHandle;
	name: string;
	staging: FileSystemSyncAccessHandle;
	destination: FileSystemWritableFileStream;
	size: number;
	spans: Spans;
	copied: number;
	pumping: Promise<void> | null;
	failure: unknown;
}

let session: Session | null = null;

function current(): Session {
	if (!session) throw new Error('the staging worker has no download open');
	if (session.failure) throw session.failure;
	return session;
}

function pump(s: Session): void {
	if (s.pumping || s.failure) return;
	const run = async (): Promise<void> => {
		for (;;) {
			const end = Math.min(s.spans.prefixEnd(), s.size);
			if (s.copied >= end) return;
			const chunk = new Uint8Array(Math.min(COPY_CHUNK, end - s.copied));
			const read = s.staging.read(chunk, { at: s.copied });
			if (read !== chunk.length) throw new Error('the staged download is shorter than written');
			await s.destination.write(chunk);
			s.copied += chunk.length;
		}
	};
	s.pumping = run()
		.catch((error: unknown) => {
			s.failure = error;
		})
		.finally(() => {
			s.pumping = null;
			// A range that arrived while the last chunk was being written.
			if (!s.failure && s.copied < Math.min(s.spans.prefixEnd(), s.size)) pump(s);
		});
}

async function removeStaging(dir: FileSystemDirectoryHandle, name: string): Promise<void> {
	await dir.removeEntry(name).catch(() => {});
}

export interface DownloadStageApi {
	/** Whether this browser offers sync access handles (only dedicated workers can see them). */
	supported(): boolean;
	/**
	 * Opens (or reopens after a restart) the staging file `name` and the picked file. `committed`
	 * are the output spans earlier sessions marked done; false when the staging file no longer
	 * holds them (then it starts empty and everything must be fetched again).
	 */
	open(
		name: string,
		destination: FileSystemFileHandle,
		size: number,
		committed: [number, number][]
	): Promise<boolean>;
	/** Writes one range at its offset; `durable` also flushes it to disk. */
	write(position: number, bytes: Uint8Array<ArrayBuffer>, durable: boolean): void;
	flush(): void;
	/** Waits until the picked file holds everything, commits it and deletes the staging file. */
	finish(): Promise<void>;
	/** Drops the picked file's uncommitted writes; `discard` also deletes the staging file. */
	close(discard: boolean): Promise<void>;
	/** Deletes staging files whose names are not in `keep` (downloads nobody will resume). */
	removeOrphans(keep: string[]): Promise<string[]>;
}

const api: DownloadStageApi = {
	supported() {
		return (
			typeof FileSystemFileHandle !== 'undefined' &&
			'createSyncAccessHandle' in FileSystemFileHandle.prototype
		);
	},

	async open(name, destination, size, committed) {
		if (session) throw new Error('the staging worker already has a download open');
		const root = await navigator.storage.getDirectory();
		const dir = await root.getDirectoryHandle(STAGING_DIR, { create: true });
		const file = await dir.getFileHandle(name, { create: true });
		const staging = await file.createSyncAccessHandle();
		const spans = new Spans();
		for (const [start, end] of committed) spans.add(start, end);
		const kept = spans.maxEnd() <= staging.getSize();
		if (!kept) staging.truncate(0);
		let writable: FileSystemWritableFileStream;
		try {
			// Not keepExistingData: the staged prefix is copied again, which is local and cheap
			// next to Chromium copying the whole picked file into a new swap file.
			writable = await destination.createWritable({ keepExistingData: false });
		} catch (error) {
			staging.close();
			throw error;
		}
		session = {
			dir,
			name,
			staging,
			destination: writable,
			size,
			spans: kept ? spans : new Spans(),
			copied: 0,
			pumping: null,
			failure: null
		};
		pump(session);
		return kept;
	},

	write(position, bytes, durable) {
		const s = current();
		const written = s.staging.write(bytes, { at: position });
		if (written !== bytes.length) throw new Error('the disk took only part of a range');
		if (durable) s.staging.flush();
		s.spans.add(position, position + bytes.length);
		pump(s);
	},

	flush() {
		current().staging.flush();
	},

	async finish() {
		for (;;) {
			const s = current();
			if (s.copied >= s.size) break;
			if (s.spans.prefixEnd() < s.size) {
				throw new Error('the download finished with bytes missing from the staging file');
			}
			pump(s);
			await s.pumping;
		}
		const s = current();
		await s.destination.close();
		s.staging.close();
		session = null;
		await removeStaging(s.dir, s.name);
	},

	async close(discard) {
		const s = session;
		session = null;
		if (!s) return;
		await s.pumping;
		await s.destination.abort().catch(() => {});
		s.staging.close();
		if (discard) await removeStaging(s.dir, s.name);
	},

	async removeOrphans(keep) {
		const root = await navigator.storage.getDirectory();
		const dir = await root.getDirectoryHandle(STAGING_DIR, { create: true });
		const wanted = new Set(keep);
		const removed: string[] = [];
		for await (const name of dir.keys()) {
			if (wanted.has(name) || name === session?.name) continue;
			await removeStaging(dir, name);
			removed.push(name);
		}
		return removed;
	}
};

Comlink.expose(api);
