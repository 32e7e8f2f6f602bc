import type { SessionUser } from '$lib/server/auth';

declare global {
	namespace App {
		interface Locals {
			user: SessionUser | null;
			/** Session id (token hash) when signed in with a cookie. */
			sessionId: string | null;
			/** How the request authenticated; cross-site checks apply to cookies only. */
			authMethod: 'cookie' | 'token' | null;
		}
		interface Error {
			message: string;
			code?: string;
		}
	}
}

export {};
