import { json } from '@sveltejs/kit';
import { audit } from '$lib/server/audit';
import { getContext } from '$lib/server/context';
import { requestMeta, requireUser } from '$lib/server/guards';
import { api, readJson } from '$lib/server/http';
import { createShare, createShareSchema, listFileShares } from '$lib/server/shares';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = api((event) => {
	const user = requireUser(event);
	return json({ shares: listFileShares(getContext().db, event.params.fileId, user.id) });
});

/** The token is shown once, in `url`; only its hash is stored. */
export const POST: RequestHandler = api(async (event) => {
	const user = requireUser(event);
	const { db } = getContext();
	const input = await readJson(event.request, createShareSchema);
	const share = await createShare(db, event.params.fileId, user.id, input);
	audit(db, {
		action: 'share_created',
		actorUserId: user.id,
		roomId: share.roomId,
		targetType: 'share',
		targetId: share.id,
		details: {
			fileId: event.params.fileId,
			hasPassword: input.password !== undefined,
			expiresAt: input.expiresAt ?? null,
			maxDownloads: input.maxDownloads ?? null,
			allowedIps: input.allowedIps ?? null,
			watermark: input.watermark ?? false
		},
		...requestMeta(event)
	});
	return json({ id: share.id, token: share.token, url: `${event.url.origin}/s/${share.token}` }, { status: 201 });
});
