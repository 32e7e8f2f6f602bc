import { parseHeader, unwrapFileKey } from '$lib/core/crypto';
import { loadRoomKey } from '$lib/adapters/idb/room-key-store';
import { IdbTransferStore } from '$lib/adapters/idb/transfer-store';

/** The parts of a listed file (GET /api/rooms/{id}/files) that locate its key. */
export interface EncryptedFileRef {
	id: string;
	roomId: string;
	encryption: { header: unknown; wrappedKey?: string } | null;
}

/**
 * The raw key of an encrypted file, for decrypting it here or for a share link's `#k=`.
 * The uploader's browser kept it (fileKeys); any member of an end-to-end encrypted room can
 * unwrap it with the room key. Null when this browser has neither (ask for a new invite link);
 * throws CryptoFormatError 'decrypt_failed' when the room key here does not open it.
 */
export async function fileKeyFor(file: EncryptedFileRef): Promise<Uint8Array<ArrayBuffer> | null> {
	if (!file.encryption) return null;
	const saved = await new IdbTransferStore().fileKeyByFileId(file.id);
	if (saved) return saved.key;
	const { wrappedKey } = file.encryption;
	if (wrappedKey === undefined) return null;
	const roomKey = await loadRoomKey(file.roomId);
	if (!roomKey) return null;
	const header = parseHeader(file.encryption.header);
	return unwrapFileKey(roomKey, wrappedKey, { roomId: file.roomId, header });
}
