import adapter from '@sveltejs/adapter-node';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

const node = adapter({ out: 'build' });

/**
 * adapter-node, plus Ferry's own entry point (server/index.js) in place of its
 * build/index.js: local storage part bodies skip SvelteKit's Web-stream bridge.
 * @type {import('@sveltejs/kit').Adapter}
 */
const ferryNode = {
	...node,
	name: 'ferry-adapter-node',
	async adapt(builder) {
		await node.adapt(builder);
		builder.copy('server/index.js', 'build/index.js');
	}
};

/** @type {import('@sveltejs/kit').Config} */
const config = {
	preprocess: vitePreprocess(),
	kit: {
		adapter: ferryNode,
		// Our service worker is registered with workbox-window from the page, so the
		// update prompt is ours to show; SvelteKit only builds it.
		serviceWorker: { register: false },
		csrf: { trustedOrigins: [] }
	}
};

export default config;
