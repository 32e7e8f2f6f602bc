/**
 * What a driver of a stored transfer needs besides the core: the file to read and, for an
 * encrypted transfer, its cipher. Shared by the page's upload worker and the service worker,
 * which both resume transfers from IndexedDB.
 */
import type { FileSource } from '$lib/ports';
import { RecordCipher } from '$lib/adapters/crypto/cipher';
import { sealUpload } from '$lib/adapters/crypto/upload-sealing';
import { BlobFileSource, MissingFileSource, isReadable } from '$lib/adapters/file/file-source';
import type { IdbTransferStore, TransferRow } from '$lib/adapters/idb/transfer-store';

/** The stored File, else the stored handle, else a source that waits for the user to pick it. */
export async function storedSource(row: TransferRow): Promise<FileSource> {
	const file = row.source.file;
	const identity = { name: row.name, lastModified: row.lastModified };
	if (file && (await isReadable(file))) return new BlobFileSource(file, identity);
	const handle = row.source.handle;
	if (handle) {
		try {
			const picked = await handle.getFile();
			if (await isReadable(picked)) return new BlobFileSource(picked, identity);
		} catch {
			// No permission after a restart (or in a service worker): the user picks it again.
		}
	}
	return new MissingFileSource(row.name, row.size, row.lastModified, row.type);
}

/** The saved key's cipher; a new key only when the upload has not been created yet. */
export async function cipherFor(
	store: IdbTransferStore,
	row: TransferRow,
	file: File | null
): Promise<RecordCipher | undefined> {
	if (!row.options.encrypt) return undefined;
	const saved = await store.fileKey(row.transferId);
	if (saved) {
		const restored = await RecordCipher.restore(saved.key, saved.header);
		// Only a create still to come needs them; after it, the server already has them.
		return row.record
			? restored
			: restored.withExtras(await sealUpload(row, saved.key, saved.header));
	}
	if (row.record || !file) {
		// The key is gone but the upload exists: its parts cannot be reproduced.
		throw new Error('the encryption key of this transfer is missing');
	}
	const { cipher, rawKey } = await RecordCipher.create(file.size);
	await store.saveFileKey({
		transferId: row.transferId,
		roomId: row.roomId,
		fileId: null,
		fileName: row.name,
		key: rawKey,
		header: cipher.header,
		createdAt: Date.now()
	});
	return cipher.withExtras(await sealUpload(row, rawKey, cipher.header));
}
