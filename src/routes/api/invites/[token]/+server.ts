import { json } from '@sveltejs/kit';
import { getContext } from '$lib/server/context';
import { api } from '$lib/server/http';
import { previewInvite } from '$lib/server/rooms';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = api((event) => json(previewInvite(getContext().db, event.params.token)));
