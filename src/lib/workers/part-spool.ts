/**
 * Where sealed (encrypted) parts wait for their PUT: files in the origin-private file system,
 * `ferry-parts/{spool id}/{file}`, one folder per upload worker. A part is sent as the OPFS
 * `File`, which the browser reads from disk, and the file is deleted once its PUT is over.
 *
 * Why not an in-memory Blob: Chromium dispatches every PUT of a controlled worker to the
 * service worker as a FetchEvent, whose Request holds the body, and an in-memory Blob's bytes
 * stay in the browser until that idle worker's garbage collector lets go, which can be never
 * during an upload (a 2 GiB encrypted upload grew the browser process by 2 GiB; see
 * docs/architecture.md). A file-backed body holds no memory, whoever keeps a reference.
 *
 * Each upload worker holds a Web Lock on its spool for as long as it lives; a folder whose
 * lock is free belongs to a worker that is gone and is removed.
 */
const ROOT = 'ferry-parts';
const lockOf = (id: string): string => `ferry-parts:${id}`;

async function spoolRoot(): Promise<FileSystemDirectoryHandle> {
	const root = await navigator.storage.getDirectory();
	return root.getDirectoryHandle(ROOT, { create: true });
}

/** Claims a spool for this worker and sweeps abandoned ones; null where OPFS is unavailable. */
export async function claimSpool(): Promise<string | null> {
	try {
		if (typeof navigator.locks === 'undefined') return null;
		const id = crypto.randomUUID();
		await new Promise<void>((held) => {
			void navigator.locks.request(lockOf(id), () => {
				held();
				return new Promise<void>(() => {});
			});
		});
		const root = await spoolRoot();
		await root.getDirectoryHandle(id, { create: true });
		for await (const name of root.keys()) {
			if (name === id) continue;
			await navigator.locks.request(lockOf(name), { ifAvailable: true }, async (lock) => {
				if (lock) await root.removeEntry(name, { recursive: true }).catch(() => undefined);
			});
		}
		return id;
	} catch {
		return null;
	}
}

/** A spool's folder, looked up once per worker (it lives as long as the worker that owns it). */
const folders = new Map<string, Promise<FileSystemDirectoryHandle>>();

function spoolFolder(spool: string): Promise<FileSystemDirectoryHandle> {
	let folder = folders.get(spool);
	if (!folder) {
		folder = spoolRoot().then((root) => root.getDirectoryHandle(spool));
		folder.catch(() => folders.delete(spool));
		folders.set(spool, folder);
	}
	return folder;
}

/** In a pool worker: writes the sealed bytes to a new spool file and returns it as a File. */
export async function spoolPart(spool: string, bytes: Uint8Array<ArrayBuffer>): Promise<File> {
	const dir = await spoolFolder(spool);
	const handle = await dir.getFileHandle(crypto.randomUUID(), { create: true });
	const access = await handle.createSyncAccessHandle();
	try {
		let at = 0;
		while (at < bytes.length) at += access.write(bytes.subarray(at), { at });
		access.flush();
	} finally {
		access.close();
	}
	return handle.getFile();
}

/** Deletes a part's spool file once its PUT is over (success or not). */
export function dropSpooled(spool: string, file: File): void {
	void (async () => {
		await (await spoolFolder(spool)).removeEntry(file.name);
	})().catch(() => undefined);
}
