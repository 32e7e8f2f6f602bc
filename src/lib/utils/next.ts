import type { ResolvedPathname } from '$app/types';

/**
 * Where to go after signing in. Only same-site paths are accepted: `next`
 * comes from the address bar, and an absolute or protocol-relative URL there
 * would make the sign-in page an open redirect.
 */
export function safeNext(next: string | null | undefined, fallback: ResolvedPathname = '/'): ResolvedPathname {
	if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return fallback;
	// Checked above: a path on this site (Ferry runs without a base path).
	return next as ResolvedPathname;
}

/** The sign-in page that comes back to `url` afterwards. */
export function loginUrl(url: URL): string {
	return `/login?next=${encodeURIComponent(url.pathname + url.search)}`;
}
