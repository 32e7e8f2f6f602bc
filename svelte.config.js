import adapter from '@sveltejs/adapter-node';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/** @type {import('@sveltejs/kit').Config} */
const config = {
	preprocess: vitePreprocess(),
	kit: {
		adapter: adapter({ out: 'build' }),
		// Our service worker is registered with workbox-window from the page, so the
		// update prompt is ours to show; SvelteKit only builds it.
		serviceWorker: { register: false },
		csrf: { trustedOrigins: [] }
	}
};

export default config;
