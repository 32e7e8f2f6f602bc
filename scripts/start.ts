// `npm start` (and `npm run dev` with --dev): the whole of Ferry on this
// machine — the SvelteKit server, the PartyKit room server, SQLite and
// local-disk storage under the data folder. Ctrl-C stops everything.
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { ConfigError, parseConfig } from '../src/lib/server/config';
import { loadOrCreateSecrets } from '../src/lib/server/secrets';
import { ensureBuild } from './lib/build';
import { startPartyKit, type PartyKitServer } from './lib/partykit';

const root = path.resolve(import.meta.dirname, '..');
const dev = process.argv.includes('--dev');

function portIsFree(port: number, host: string): Promise<boolean> {
	return new Promise((resolve) => {
		const server = net.createServer();
		server.once('error', () => resolve(false));
		server.listen(port, host, () => server.close(() => resolve(true)));
	});
}

async function main(): Promise<void> {
	let config;
	try {
		config = parseConfig(process.env, root);
	} catch (error) {
		if (error instanceof ConfigError) {
			console.error(error.message);
			process.exit(1);
		}
		throw error;
	}
	const partykitPort = Number(process.env.FERRY_PARTYKIT_PORT || 1999);
	const taken: string[] = [];
	if (!(await portIsFree(config.port, config.host))) taken.push(`port ${config.port} (Ferry; choose another with PORT=...)`);
	if (!(await portIsFree(partykitPort, '0.0.0.0'))) taken.push(`port ${partykitPort} (room server; choose another with FERRY_PARTYKIT_PORT=...)`);
	if (taken.length > 0) {
		console.error(`Ferry cannot start: ${taken.join(' and ')} already in use. Is another Ferry running?`);
		process.exit(1);
	}
	const secrets = loadOrCreateSecrets(config.dataDir, config);
	if (!dev) {
		console.log('Building Ferry if needed ...');
		ensureBuild();
	}

	let party: PartyKitServer | null = null;
	let server: ChildProcess | null = null;
	let stopping = false;
	const stop = async (code: number) => {
		if (stopping) return;
		stopping = true;
		if (server && server.exitCode === null) {
			server.kill('SIGTERM');
			await new Promise((r) => server!.once('exit', r));
		}
		await party?.stop();
		process.exit(code);
	};
	process.on('SIGINT', () => void stop(0));
	process.on('SIGTERM', () => void stop(0));

	party = await startPartyKit({ port: partykitPort, secret: secrets.roomSecret });
	const env = { ...process.env, PORT: String(config.port), HOST: config.host, FERRY_ROOM_SECRET: secrets.roomSecret, FERRY_DATA_DIR: config.dataDir,
		// adapter-node assumes https unless told the public origin.
		ORIGIN: process.env.ORIGIN ?? `http://localhost:${config.port}`,
		BODY_SIZE_LIMIT: process.env.BODY_SIZE_LIMIT ?? 'Infinity' };
	server = dev
		? spawn(process.execPath, [path.join(root, 'node_modules/vite/bin/vite.js'), 'dev', '--port', String(config.port), '--host', config.host, '--strictPort'], { cwd: root, env, stdio: 'inherit' })
		: spawn(process.execPath, [path.join(root, 'build/index.js')], { cwd: root, env, stdio: 'inherit' });
	server.once('exit', (code) => {
		if (!stopping) {
			console.error(`The Ferry server stopped (exit code ${code}); stopping the room server too.`);
			void stop(code ?? 1);
		}
	});
	const shown = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
	console.log(`\nFerry is running: open http://${shown}:${config.port}\n(room server on port ${partykitPort}, data in ${config.dataDir}; Ctrl-C stops everything)\n`);
}

main().catch((error: unknown) => {
	console.error(error instanceof Error ? error.message : error);
	process.exit(1);
});
