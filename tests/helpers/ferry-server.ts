import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, waitForPort } from './ports';

const root = path.resolve(import.meta.dirname, '../..');

export interface FerryServer {
	url: string;
	port: number;
	dataDir: string;
	roomSecret: string;
	logs: () => string;
	/** The server's stdout and stderr as a file too, for tests in other processes to search. */
	logFile: string;
	stop: () => Promise<void>;
}

/** Starts the built Ferry server (node build) on a free port with its own data folder. */
export async function startFerry(env: Record<string, string> = {}): Promise<FerryServer> {
	const port = await freePort();
	const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ferry-test-'));
	const roomSecret = env.FERRY_ROOM_SECRET ?? 'test-room-secret-'.padEnd(48, 'x');
	// Run from a private copy of build/: another test run may rebuild build/ meanwhile.
	// It stays inside the repo so the server still resolves node_modules.
	const buildCopy = path.join(root, '.test-builds', path.basename(dataDir));
	fs.cpSync(path.join(root, 'build'), buildCopy, { recursive: true });
	let output = '';
	const logFile = `${dataDir}-server.log`;
	const log = (d: Buffer): void => {
		output += d.toString();
		fs.appendFileSync(logFile, d);
	};
	const child: ChildProcess = spawn(process.execPath, [path.join(buildCopy, 'index.js')], {
		cwd: root,
		env: {
			...process.env,
			PORT: String(port),
			HOST: '127.0.0.1',
			ORIGIN: `http://127.0.0.1:${port}`,
			FERRY_DATA_DIR: dataDir,
			FERRY_ROOM_SECRET: roomSecret,
			// Local-disk parts stream through the server; JSON bodies have their own 1 MiB cap.
			BODY_SIZE_LIMIT: 'Infinity',
			...env
		},
		stdio: ['ignore', 'pipe', 'pipe']
	});
	child.stdout?.on('data', log);
	child.stderr?.on('data', log);
	const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
	try {
		await Promise.race([
			waitForPort(port, 'the Ferry server', 30_000),
			exited.then(() => {
				throw new Error(`the Ferry server exited at start:\n${output}`);
			})
		]);
	} catch (error) {
		child.kill('SIGKILL');
		fs.rmSync(buildCopy, { recursive: true, force: true });
		fs.rmSync(logFile, { force: true });
		throw error;
	}
	return {
		url: `http://127.0.0.1:${port}`,
		port,
		dataDir,
		roomSecret,
		logs: () => output,
		logFile,
		stop: async () => {
			if (child.exitCode === null) {
				child.kill('SIGTERM');
				await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
				if (child.exitCode === null) child.kill('SIGKILL');
			}
			fs.rmSync(dataDir, { recursive: true, force: true });
			fs.rmSync(logFile, { force: true });
			fs.rmSync(buildCopy, { recursive: true, force: true });
		}
	};
}
