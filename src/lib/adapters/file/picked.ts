/**
 * Getting files from the person, with a FileSystemFileHandle wherever the browser offers one
 * (Chromium's pickers and drag and drop): a transfer that keeps a handle resumes after a
 * browser restart with one permission click, without copying the file into IndexedDB.
 * Elsewhere the plain File is all there is. Page only (pickers need a window).
 */
import type { PickedFile } from '$lib/workers/upload-protocol';

export type { PickedFile };

/** Folders deeper than this are not walked (a symlink loop, or a home folder dropped by mistake). */
const MAX_DEPTH = 32;

export const canPickWithHandles = (): boolean =>
	typeof window !== 'undefined' && typeof window.showOpenFilePicker === 'function';

export const canPickFolders = (): boolean =>
	typeof window !== 'undefined' &&
	(typeof window.showDirectoryPicker === 'function' ||
		'webkitdirectory' in HTMLInputElement.prototype);

const isAbort = (error: unknown): boolean => (error as { name?: unknown })?.name === 'AbortError';

/** The system file picker (several files); [] when the person closes it. */
export async function pickFilesWithHandles(): Promise<PickedFile[]> {
	try {
		const handles = await window.showOpenFilePicker!({ multiple: true, id: 'ferry-send' });
		return await Promise.all(
			handles.map(async (handle) => ({ file: await handle.getFile(), handle }))
		);
	} catch (error) {
		if (isAbort(error)) return [];
		throw error;
	}
}

/** Every file under a folder the person picks, with handles; [] when they close the picker. */
export async function pickFolderWithHandles(): Promise<PickedFile[]> {
	try {
		const folder = await window.showDirectoryPicker!({ id: 'ferry-send-folder', mode: 'read' });
		return await filesUnder(folder, 0);
	} catch (error) {
		if (isAbort(error)) return [];
		throw error;
	}
}

async function filesUnder(folder: FileSystemDirectoryHandle, depth: number): Promise<PickedFile[]> {
	if (depth > MAX_DEPTH) return [];
	const found: PickedFile[] = [];
	for await (const entry of folder.values()) {
		if (entry.kind === 'file') {
			const handle = entry as FileSystemFileHandle;
			found.push({ file: await handle.getFile(), handle });
		} else {
			found.push(...(await filesUnder(entry as FileSystemDirectoryHandle, depth + 1)));
		}
	}
	return found;
}

/** Files from an `<input type=file>` (multiple or webkitdirectory): no handles there. */
export const fromFileList = (list: FileList | File[] | null | undefined): PickedFile[] =>
	[...(list ?? [])].map((file) => ({ file }));

/**
 * Files and folders dropped on the page. The DataTransfer is only readable during the drop
 * event, so every item's handle or entry is asked for before the first await.
 */
export function fromDrop(data: DataTransfer): Promise<PickedFile[]> {
	const items = [...data.items].filter((item) => item.kind === 'file');
	if (items.length > 0 && typeof items[0]!.getAsFileSystemHandle === 'function') {
		const pending = items.map((item) => item.getAsFileSystemHandle!());
		return Promise.all(pending).then(async (handles) => {
			const found: PickedFile[] = [];
			for (const handle of handles) {
				if (handle?.kind === 'file') {
					const fileHandle = handle as FileSystemFileHandle;
					found.push({ file: await fileHandle.getFile(), handle: fileHandle });
				} else if (handle?.kind === 'directory') {
					found.push(...(await filesUnder(handle as FileSystemDirectoryHandle, 0)));
				}
			}
			return found;
		});
	}
	const entries = items.map((item) => item.webkitGetAsEntry?.() ?? null);
	if (entries.some((entry) => entry?.isDirectory)) {
		return Promise.all(entries.map((entry) => (entry ? filesOfEntry(entry, 0) : []))).then(
			(lists) => lists.flat()
		);
	}
	return Promise.resolve(fromFileList(data.files));
}

/** Browsers without handles: walk the old FileSystemEntry tree of a dropped folder. */
async function filesOfEntry(entry: FileSystemEntry, depth: number): Promise<PickedFile[]> {
	if (entry.isFile) {
		const file = await new Promise<File>((resolve, reject) =>
			(entry as FileSystemFileEntry).file(resolve, reject)
		);
		return [{ file }];
	}
	if (!entry.isDirectory || depth > MAX_DEPTH) return [];
	const reader = (entry as FileSystemDirectoryEntry).createReader();
	const found: PickedFile[] = [];
	// readEntries answers in batches (100 in Chromium) until it answers an empty one.
	for (;;) {
		const batch = await new Promise<FileSystemEntry[]>((resolve, reject) =>
			reader.readEntries(resolve, reject)
		);
		if (batch.length === 0) return found;
		for (const child of batch) found.push(...(await filesOfEntry(child, depth + 1)));
	}
}
