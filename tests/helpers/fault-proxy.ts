import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * What the proxy does with one part PUT (a PUT to /storage/local/.../part):
 * - pass: forward as is;
 * - drop: read the first chunk of the body, then destroy the socket (connection reset mid-body);
 * - drop-after: forward the whole part, then destroy the socket instead of answering
 *   (the part is stored, the browser never learns it);
 * - delay: hold the request `delayMs` before forwarding;
 * - status-500 / status-503: read the body, answer 500 / 503 (503 with Retry-After: 1);
 * - buffer: read the whole body at `bytesPerSecond` before opening the upstream request, the way
 *   a buffering reverse proxy does; with a slow client the URL can expire before storage sees it.
 */
export type PartAction =
	| { kind: 'pass' }
	| { kind: 'drop' }
	| { kind: 'drop-after' }
	| { kind: 'delay'; delayMs: number }
	| { kind: 'status-500' }
	| { kind: 'status-503' }
	| { kind: 'buffer'; bytesPerSecond: number };

export interface PartPut {
	/** 1-based count of part PUTs the proxy has seen (every attempt counts). */
	n: number;
	partNumber: number;
	/** How many earlier PUTs of this part number the proxy saw. */
	previousAttempts: number;
}

export interface PartLog extends PartPut {
	action: PartAction['kind'];
	/** What the browser got: an HTTP status, or 'reset'. */
	outcome: number | 'reset';
}

export interface FaultProxy {
	url: string;
	port: number;
	/** Where everything goes; set it once the real server runs. */
	setTarget(port: number): void;
	parts: PartLog[];
	/** Requests by `METHOD pathname-pattern`, e.g. 'POST /api/uploads/:id/parts'. */
	requests: Map<string, number>;
	close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function routeKey(method: string, pathname: string): string {
	const generic = pathname
		.replace(/^\/storage\/local\/.*\/part$/, '/storage/local/*/part')
		.replace(/^\/api\/uploads\/[^/]+/, '/api/uploads/:id')
		.replace(/\/parts\/\d+\/done$/, '/parts/:n/done');
	return `${method} ${generic}`;
}

/** A forwarding HTTP proxy (node:http) that injects faults into local-disk part PUTs. */
export async function startFaultProxy(decide: (put: PartPut) => PartAction): Promise<FaultProxy> {
	let targetPort = 0;
	let seen = 0;
	const attempts = new Map<number, number>();
	const parts: PartLog[] = [];
	const requests = new Map<string, number>();
	const sockets = new Set<import('node:net').Socket>();

	const forward = (req: http.IncomingMessage, res: http.ServerResponse, body: 'pipe' | Buffer, onResponse?: (status: number) => boolean) => {
		const upstream = http.request({ host: '127.0.0.1', port: targetPort, method: req.method, path: req.url, headers: req.headers });
		upstream.on('response', (answer) => {
			const status = answer.statusCode ?? 502;
			if (onResponse && !onResponse(status)) {
				answer.resume();
				req.socket.destroy();
				return;
			}
			res.writeHead(status, answer.headers);
			answer.pipe(res);
		});
		upstream.on('error', () => {
			if (!res.headersSent) res.writeHead(502).end();
			else res.destroy();
		});
		if (body === 'pipe') req.pipe(upstream);
		else upstream.end(body);
	};

	const server = http.createServer((req, res) => {
		const url = new URL(req.url ?? '/', 'http://proxy');
		const key = routeKey(req.method ?? 'GET', url.pathname);
		requests.set(key, (requests.get(key) ?? 0) + 1);
		const isPart = req.method === 'PUT' && key === 'PUT /storage/local/*/part';
		if (!isPart) return forward(req, res, 'pipe');

		const partNumber = Number(url.searchParams.get('part'));
		const put: PartPut = { n: ++seen, partNumber, previousAttempts: attempts.get(partNumber) ?? 0 };
		attempts.set(partNumber, put.previousAttempts + 1);
		const action = decide(put);
		const log: PartLog = { ...put, action: action.kind, outcome: 'reset' };
		parts.push(log);
		res.on('finish', () => (log.outcome = res.statusCode));

		switch (action.kind) {
			case 'pass':
				return forward(req, res, 'pipe');
			case 'drop':
				req.once('data', () => req.socket.destroy());
				return;
			case 'drop-after':
				return forward(req, res, 'pipe', () => false);
			case 'delay':
				req.pause();
				void sleep(action.delayMs).then(() => forward(req, res, 'pipe'));
				return;
			case 'status-500':
			case 'status-503':
				req.resume();
				req.on('end', () => {
					const status = action.kind === 'status-500' ? 500 : 503;
					res.writeHead(status, { 'content-type': 'text/plain', ...(status === 503 && { 'retry-after': '1' }) });
					res.end(`injected ${status}`);
				});
				return;
			case 'buffer': {
				const chunks: Buffer[] = [];
				let received = 0;
				const started = Date.now();
				req.on('data', (chunk: Buffer) => {
					chunks.push(chunk);
					received += chunk.length;
					// Read no faster than bytesPerSecond: pause until the budget catches up.
					const due = started + (received / action.bytesPerSecond) * 1000;
					const wait = due - Date.now();
					if (wait > 0) {
						req.pause();
						setTimeout(() => req.resume(), wait);
					}
				});
				req.on('end', () => forward(req, res, Buffer.concat(chunks)));
				return;
			}
		}
	});
	server.on('connection', (socket) => {
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const port = (server.address() as AddressInfo).port;
	return {
		url: `http://127.0.0.1:${port}`,
		port,
		setTarget: (p) => (targetPort = p),
		parts,
		requests,
		close: async () => {
			for (const socket of sockets) socket.destroy();
			await new Promise<void>((resolve) => server.close(() => resolve()));
		}
	};
}
