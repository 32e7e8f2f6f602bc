import type { LayoutServerLoad } from './$types';

export const load: LayoutServerLoad = ({ locals }) => {
	const user = locals.user;
	return { user: user ? { id: user.id, name: user.displayName, email: user.email } : null };
};
