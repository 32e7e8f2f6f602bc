// Makes thumbnails for files the user just sent and stores each one once its
// upload has finished (the server knows the file id only then). Encrypted
// files' thumbnails are sealed with the file's key from IndexedDB.

import { IdbTransferStore } from '$lib/adapters/idb/transfer-store';
import { importFileKey } from '$lib/core/crypto';
import { sealThumbnail } from '$lib/core/preview';
import { transfers } from '$lib/state/transfers.svelte';
import { makeThumbnail } from './thumbnail-maker';

/** Fired on window with the file id when a thumbnail was stored, so the list shows it. */
export const THUMBNAIL_STORED_EVENT = 'ferry:thumbnail-stored';

const POLL_MS = 500;

async function finishedFileId(
	roomId: string,
	file: File,
	startedAt: number
): Promise<string | null> {
	// Uploads of 50 GB take hours; a tab that closes first simply leaves no thumbnail.
	for (;;) {
		const done = transfers
			.forRoom(roomId)
			.find(
				(t) => t.name === file.name && t.size === file.size && t.state.status === 'done' && t.fileId
			);
		if (done?.fileId) return done.fileId;
		const failed = transfers
			.forRoom(roomId)
			.find(
				(t) =>
					t.name === file.name &&
					t.size === file.size &&
					(t.state.status === 'failed' || t.state.status === 'cancelled')
			);
		if (failed || Date.now() - startedAt > 24 * 3600_000) return null;
		await new Promise((resolve) => setTimeout(resolve, POLL_MS));
	}
}

async function storeThumbnail(roomId: string, file: File, encrypted: boolean): Promise<void> {
	const startedAt = Date.now();
	const thumbnail = await makeThumbnail(file);
	if (!thumbnail) return;
	const fileId = await finishedFileId(roomId, file, startedAt);
	if (!fileId) return;
	let body: Blob = thumbnail;
	if (encrypted) {
		const saved = await new IdbTransferStore().fileKeyByFileId(fileId);
		if (!saved) return;
		const key = await importFileKey(saved.key);
		const sealed = await sealThumbnail(key, new Uint8Array(await thumbnail.arrayBuffer()));
		body = new Blob([sealed], { type: 'application/octet-stream' });
	}
	const response = await fetch(`/api/files/${fileId}/thumbnail`, {
		method: 'PUT',
		headers: { 'content-type': body.type },
		body
	});
	if (response.ok)
		window.dispatchEvent(new CustomEvent(THUMBNAIL_STORED_EVENT, { detail: fileId }));
}

/** Starts thumbnail work for the picked files; failures only mean no thumbnail. */
export function queueThumbnails(roomId: string, files: File[], encrypted: boolean): void {
	for (const file of files) void storeThumbnail(roomId, file, encrypted).catch(() => undefined);
}
