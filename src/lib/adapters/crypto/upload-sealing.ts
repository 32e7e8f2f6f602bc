import { encryptMetadata, wrapFileKey, type EncryptionHeader } from '$lib/core/crypto';
import { loadRoomKey } from '$lib/adapters/idb/room-key-store';
import type { SealedExtras } from './cipher';

/**
 * What an encrypted upload sends beside its header: the name, type and date sealed with the
 * file key (every encrypted upload), and the file key wrapped with the room key when this
 * browser holds one (end-to-end encrypted rooms; other rooms have none). The server refuses an
 * upload into an E2EE room without a wrapped key, so a missing room key fails loudly there.
 */
export async function sealUpload(
	file: { roomId: string; name: string; type: string; lastModified: number },
	fileKey: Uint8Array<ArrayBuffer>,
	header: EncryptionHeader
): Promise<SealedExtras> {
	const encryptedMetadata = await encryptMetadata(fileKey, {
		name: file.name,
		type: file.type,
		lastModified: file.lastModified
	});
	const roomKey = await loadRoomKey(file.roomId);
	if (!roomKey) return { encryptedMetadata };
	const wrappedKey = await wrapFileKey(roomKey, fileKey, { roomId: file.roomId, header });
	return { encryptedMetadata, wrappedKey };
}
