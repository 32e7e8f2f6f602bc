import type { TestProject } from 'vitest/node';
import { ensureBuild } from '../../scripts/lib/build';
import { startPartyKit } from '../../scripts/lib/partykit';
import { startFerry } from './ferry-server';

declare module 'vitest' {
	export interface ProvidedContext {
		ferryUrl: string;
		ferryDataDir: string;
		/** The Ferry server's output so far (stdout and stderr). */
		ferryLogFile: string;
		partykitHost: string;
		roomSecret: string;
	}
}

/**
 * One built Ferry server and one `partykit dev` room server (sharing the room
 * secret) for the project's tests; each test makes its own users and rooms.
 */
export default async function setup(project: TestProject) {
	ensureBuild();
	const roomSecret = `test-room-secret-${Math.random().toString(36).slice(2)}`.padEnd(48, 'x');
	const party = await startPartyKit({ secret: roomSecret });
	let server;
	try {
		server = await startFerry({
			FERRY_ROOM_SECRET: roomSecret,
			FERRY_PARTYKIT_URL: `http://127.0.0.1:${party.port}`,
			FERRY_PARTYKIT_PUBLIC_HOST: `127.0.0.1:${party.port}`
		});
	} catch (error) {
		await party.stop();
		throw error;
	}
	project.provide('ferryUrl', server.url);
	project.provide('ferryDataDir', server.dataDir);
	project.provide('ferryLogFile', server.logFile);
	project.provide('partykitHost', party.host);
	project.provide('roomSecret', roomSecret);
	return async () => {
		await server.stop();
		await party.stop();
	};
}
