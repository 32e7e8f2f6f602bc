// Ferry's production entry point: `node build` runs this file (svelte.config.js
// copies it over adapter-node's own build/index.js).
//
// Why not adapter-node's server as it is: part bodies for the built-in
// local-disk storage would go Node stream -> Web Request -> Node stream on
// every byte; here they go straight from the socket to the part file
// (src/lib/server/storage/local-disk-node.ts), and everything else goes to
// SvelteKit's handler unchanged. It also sets the two defaults a plain
// `node build` needs for Ferry (see docs/deploy.md).
import http from 'node:http';
import process from 'node:process';

const host = process.env.HOST || '0.0.0.0';
const port = Number(process.env.PORT || 3000);
// adapter-node assumes https when it cannot tell the origin; a local install is plain http.
if (!process.env.ORIGIN && !process.env.PROTOCOL_HEADER && !process.env.HOST_HEADER) {
	process.env.ORIGIN = `http://${host === '0.0.0.0' || host === '::' ? 'localhost' : host}:${port}`;
}
// Part PUTs to local storage are as large as a part (up to 5 GiB); SvelteKit's default limit is 512 KiB.
process.env.BODY_SIZE_LIMIT ||= 'Infinity';

// Importing the handler runs SvelteKit's `init` hook, which registers the fast path.
const { handler } = await import('./handler.js');
/** @type {((req: http.IncomingMessage, res: http.ServerResponse) => boolean) | undefined} */
const fastPath = globalThis[Symbol.for('ferry.node-fast-path')];

const server = http.createServer((req, res) => {
	if (fastPath?.(req, res)) return;
	handler(req, res, () => {
		res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found');
	});
});
if (process.env.KEEP_ALIVE_TIMEOUT)
	server.keepAliveTimeout = Number(process.env.KEEP_ALIVE_TIMEOUT) * 1000;
if (process.env.HEADERS_TIMEOUT) server.headersTimeout = Number(process.env.HEADERS_TIMEOUT) * 1000;

server.listen({ host, port }, () => {
	console.log(`Listening on http://${host}:${port}`);
});

let stopping = false;
/** @param {'SIGINT' | 'SIGTERM'} reason */
function shutdown(reason) {
	if (stopping) return;
	stopping = true;
	server.closeIdleConnections();
	// Uploads in flight get SHUTDOWN_TIMEOUT seconds to finish their part; the client retries the rest.
	const force = setTimeout(
		() => server.closeAllConnections(),
		Number(process.env.SHUTDOWN_TIMEOUT || 30) * 1000
	);
	server.close(() => {
		clearTimeout(force);
		process.emit('sveltekit:shutdown', reason);
	});
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
