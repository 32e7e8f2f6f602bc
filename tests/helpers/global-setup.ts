import type { TestProject } from 'vitest/node';
import { ensureBuild } from '../../scripts/lib/build';
import { startFerry } from './ferry-server';

declare module 'vitest' {
	export interface ProvidedContext {
		ferryUrl: string;
		ferryDataDir: string;
	}
}

/** One built Ferry server for the project's tests; each test makes its own users and rooms. */
export default async function setup(project: TestProject) {
	ensureBuild();
	const server = await startFerry();
	project.provide('ferryUrl', server.url);
	project.provide('ferryDataDir', server.dataDir);
	return async () => {
		await server.stop();
	};
}
