import { error } from '@sveltejs/kit';
import type { PageServerLoad } from './$types';

/** Recipient page for share links. Sharing is not built yet, so every link is unknown. */
export const load: PageServerLoad = () => {
	error(404, { message: 'This share link is not valid', code: 'share_not_found' });
};
