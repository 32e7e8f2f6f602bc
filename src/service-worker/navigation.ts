/**
 * The offline fallback for page navigations, kept apart from the worker's
 * globals so it can be tested in Node.
 *
 * Navigations go to the network first: Ferry's pages are server-rendered with
 * the user's rooms in them, so a cached copy would be stale or belong to
 * someone who has since signed out. Only when the network fails do we answer
 * with the precached offline page (which the upload engine will turn into a
 * list of queued transfers).
 */

/**
 * True when workbox-precaching's route will answer this URL itself. Two
 * `respondWith` calls for one event throw, so the navigation handler must step
 * aside for these. Comparing paths without the query is a superset of what
 * Workbox matches (it also tries `.html` and `index.html` variants).
 */
export function isPrecachedPath(url: URL, precachedPaths: ReadonlySet<string>): boolean {
	const path = url.pathname;
	return (
		precachedPaths.has(path) ||
		precachedPaths.has(`${path}.html`) ||
		(path.endsWith('/') && precachedPaths.has(`${path}index.html`))
	);
}

export interface NavigationDeps {
	fetch: (request: Request) => Promise<Response>;
	/** The precached offline page, or undefined when the cache lost it. */
	offlinePage: () => Promise<Response | undefined>;
}

/** Network first; the offline page when the request never got an HTTP answer. */
export async function respondToNavigation(
	request: Request,
	deps: NavigationDeps
): Promise<Response> {
	try {
		return await deps.fetch(request);
	} catch (error) {
		// fetch rejects (TypeError) only when there was no answer at all: offline,
		// DNS, connection refused. HTTP errors resolve and are shown as they are.
		const fallback = await deps.offlinePage();
		if (fallback) return fallback;
		throw error;
	}
}
