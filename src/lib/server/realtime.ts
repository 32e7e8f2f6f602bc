import { getContext } from './context';

/** PartyKit's default party; one party room per Ferry room. */
export const ROOM_PARTY = 'main';

/**
 * Posts a server-side event (file added, member removed, ...) to the room
 * server. Live updates are a convenience: when the room server is down the
 * request that caused the event still succeeds, and clients catch up from the
 * API when they reconnect.
 */
export async function notifyRoom(roomId: string, event: { type: string } & Record<string, unknown>): Promise<boolean> {
	const { config, secrets } = getContext();
	try {
		const response = await fetch(`${config.partykitUrl}/parties/${ROOM_PARTY}/${encodeURIComponent(roomId)}`, {
			method: 'POST',
			headers: { authorization: `Bearer ${secrets.roomSecret}`, 'content-type': 'application/json' },
			body: JSON.stringify(event),
			signal: AbortSignal.timeout(2000)
		});
		return response.ok;
	} catch {
		return false;
	}
}
