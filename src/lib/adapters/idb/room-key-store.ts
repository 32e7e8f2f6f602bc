import { openFerryDb } from './transfer-store';

/**
 * Room keys of end-to-end encrypted rooms, in Ferry's one IndexedDB database (the `roomKeys`
 * store of transfer-store.ts). This browser is the only place a member's copy lives: the
 * server never sees it, so clearing site data means asking for a new invite link.
 */
export async function saveRoomKey(roomId: string, key: Uint8Array<ArrayBuffer>): Promise<void> {
	const db = await openFerryDb();
	await db.put('roomKeys', { roomId, key, savedAt: Date.now() });
}

export async function loadRoomKey(roomId: string): Promise<Uint8Array<ArrayBuffer> | null> {
	const db = await openFerryDb();
	const row = await db.get('roomKeys', roomId);
	return row?.key ?? null;
}
