/**
 * Starts a real `partykit dev` for tests, the global setup and `npm start`.
 *
 * It runs the CLI with node directly (not through npx) in its own process
 * group, so stop() can signal the group and take workerd down with it; killing
 * only a wrapper orphans workerd. The secret goes in as `--var`, which wins
 * over any FERRY_ROOM_SECRET in a .env file partykit finds upward.
 */
import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { freePort } from './ports';

export interface PartyKitServer {
	/** host:port, as partysocket wants it. */
	host: string;
	port: number;
	/** The last few KB of partykit's output, for failure messages. */
	logs(): string;
	stop(): Promise<void>;
}

export interface StartPartyKitOptions {
	/** A free port is picked when omitted. */
	port?: number;
	secret: string;
	/** Default 60 s. */
	readyTimeoutMs?: number;
}

const repoRoot = path.resolve(import.meta.dirname, '../..');
const cli = path.join(repoRoot, 'node_modules/partykit/dist/bin.mjs');

export async function startPartyKit(options: StartPartyKitOptions): Promise<PartyKitServer> {
	const port = options.port ?? (await freePort());
	// partykit only prints an error when the port is taken and keeps running, and
	// the poll below would then find whatever else listens there.
	if (!(await isPortFree(port))) throw new Error(`partykit dev: port ${port} is already in use`);

	const args = [
		cli,
		'dev',
		'--port',
		String(port),
		'--var',
		`FERRY_ROOM_SECRET=${options.secret}`,
		'--disable-request-cf-fetch',
		'--no-hotkeys',
		'--persist',
		'false'
	];
	const child = spawn(process.execPath, args, {
		cwd: repoRoot,
		env: { ...process.env, CI: '1' },
		stdio: ['ignore', 'pipe', 'pipe'],
		detached: true
	});
	// Kept for the error message; the pipes must be drained or the child blocks.
	let output = '';
	const keep = (chunk: Buffer) => {
		output = (output + chunk.toString()).slice(-4000);
	};
	child.stdout.on('data', keep);
	child.stderr.on('data', keep);
	// 'error' covers a spawn that never started (then no 'exit' comes).
	const exited = new Promise<void>((resolve) => {
		child.once('exit', () => resolve());
		child.once('error', (error) => {
			output += `\n${error.message}`;
			resolve();
		});
	});
	let hasExited = false;
	void exited.then(() => (hasExited = true));

	const pgid = child.pid ?? 0;
	const signalGroup = (signal: NodeJS.Signals) => {
		try {
			process.kill(-pgid, signal);
		} catch {
			// ESRCH: nobody is left in the group
		}
	};
	const stop = async () => {
		if (pgid === 0) return;
		signalGroup('SIGTERM');
		await Promise.race([exited, delay(5000)]);
		// workerd drains open sockets on SIGTERM and was seen to outlive the CLI
		// for minutes; it keeps no state (--persist false), so end the group for sure.
		signalGroup('SIGKILL');
	};

	const timeoutMs = options.readyTimeoutMs ?? 60_000;
	const deadline = Date.now() + timeoutMs;
	while (!(await answersHttp(port))) {
		if (hasExited) {
			await stop(); // a workerd it started may still hold the group
			throw new Error(`partykit dev exited before it was ready:\n${output}`);
		}
		if (Date.now() > deadline) {
			await stop();
			throw new Error(
				`partykit dev was not ready on port ${port} within ${timeoutMs} ms:\n${output}`
			);
		}
		await delay(100);
	}
	return { host: `127.0.0.1:${port}`, port, logs: () => output, stop };
}

/** Any HTTP answer means the dev server has built the party and is routing. */
async function answersHttp(port: number): Promise<boolean> {
	try {
		const res = await fetch(`http://127.0.0.1:${port}/parties/main/readiness-probe`, {
			signal: AbortSignal.timeout(1000)
		});
		await res.body?.cancel();
		return true;
	} catch {
		return false;
	}
}

function isPortFree(port: number): Promise<boolean> {
	return new Promise((resolve) => {
		const server = net.createServer();
		server.once('error', () => resolve(false));
		// No host: like partykit, bind every interface, so a listener on any of them counts.
		server.listen(port, () => server.close(() => resolve(true)));
	});
}

function delay(ms: number): Promise<void> {
	return new Promise((resolve) => setTimeout(resolve, ms));
}
