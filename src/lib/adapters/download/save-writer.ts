import type { DownloadWriter } from '$lib/core/download';
import { FileHandleWriter } from './file-handle-writer';
import { IdbDownloadStore } from './idb-download-store';
import { StagedFileWriter, canStage, removeOrphanedStaging } from './staged-file-writer';

/**
 * The writer for a download into a picked file: staged in the origin-private file system when
 * the origin has room for the whole file (fast, and a crash loses only the ranges in flight),
 * otherwise straight into the picked file with swap-file checkpoints. `staged` must be kept
 * with a resumable download: a resume has to find its bytes where they were written.
 */
export async function chooseSaveWriter(
	handle: FileSystemFileHandle,
	size: number,
	downloadId: string
): Promise<{ writer: DownloadWriter; staged: boolean }> {
	const staged = await canStage(size);
	return { writer: saveWriter(handle, size, downloadId, staged), staged };
}

export function saveWriter(
	handle: FileSystemFileHandle,
	size: number,
	downloadId: string,
	staged: boolean
): DownloadWriter {
	return staged
		? new StagedFileWriter(handle, size, downloadId)
		: new FileHandleWriter(handle, size);
}

/**
 * Frees the room of downloads nobody will resume (a room download whose tab closed, a saved
 * download forgotten): every staging file but those of this browser's saved downloads.
 */
export async function cleanUpStaging(): Promise<void> {
	try {
		await removeOrphanedStaging(await new IdbDownloadStore().downloadIds());
	} catch {
		// Best effort: the files are only space, and the next visit tries again.
	}
}
