import { audit } from '$lib/server/audit';
import { getContext } from '$lib/server/context';
import { requestMeta, requireUser } from '$lib/server/guards';
import { api } from '$lib/server/http';
import { revokeShare } from '$lib/server/shares';
import type { RequestHandler } from './$types';

/** Revokes the link; the next request with it is refused. */
export const DELETE: RequestHandler = api((event) => {
	const user = requireUser(event);
	const { db } = getContext();
	const share = revokeShare(db, event.params.shareId, user.id);
	if (!share.alreadyRevoked) {
		audit(db, { action: 'share_revoked', actorUserId: user.id, roomId: share.roomId, targetType: 'share', targetId: share.id, details: { fileId: share.fileId }, ...requestMeta(event) });
	}
	return new Response(null, { status: 204 });
});
