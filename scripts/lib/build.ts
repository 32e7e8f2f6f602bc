import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');
const lockDir = path.join(root, '.svelte-kit-build.lock');

function newestMtime(dir: string): number {
	let newest = 0;
	for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
		const full = path.join(dir, entry.name);
		const time = entry.isDirectory() ? newestMtime(full) : fs.statSync(full).mtimeMs;
		if (time > newest) newest = time;
	}
	return newest;
}

function isFresh(built: string): boolean {
	const sources = Math.max(newestMtime(path.join(root, 'src')), newestMtime(path.join(root, 'static')));
	return fs.existsSync(built) && fs.statSync(built).mtimeMs >= sources;
}

/** Two test runs building at once corrupt .svelte-kit/output; take turns. */
function withLock<T>(fn: () => T): T {
	const deadline = Date.now() + 5 * 60_000;
	for (;;) {
		try {
			fs.mkdirSync(lockDir);
			break;
		} catch {
			const age = Date.now() - (fs.statSync(lockDir, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
			if (age > 5 * 60_000) fs.rmSync(lockDir, { recursive: true, force: true });
			if (Date.now() > deadline) throw new Error(`another build holds ${lockDir}; remove it if no build is running`);
			Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
		}
	}
	try {
		return fn();
	} finally {
		fs.rmSync(lockDir, { recursive: true, force: true });
	}
}

/** Builds the app when build/ is missing or older than the sources, so tests and `npm start` run what we ship. */
export function ensureBuild(): void {
	const built = path.join(root, 'build/index.js');
	if (isFresh(built)) return;
	withLock(() => {
		if (isFresh(built)) return;
		execFileSync(process.execPath, [path.join(root, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit', env: { ...process.env, NODE_ENV: 'production' } });
		fs.utimesSync(built, new Date(), new Date());
	});
}
