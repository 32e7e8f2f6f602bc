import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');

function newestMtime(dir: string): number {
	let newest = 0;
	for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
		const full = path.join(dir, entry.name);
		const time = entry.isDirectory() ? newestMtime(full) : fs.statSync(full).mtimeMs;
		if (time > newest) newest = time;
	}
	return newest;
}

/** Builds the app when build/ is missing or older than the sources, so tests run what we ship. */
export function ensureBuild(): void {
	const built = path.join(root, 'build/index.js');
	const sources = Math.max(newestMtime(path.join(root, 'src')), newestMtime(path.join(root, 'static')));
	if (fs.existsSync(built) && fs.statSync(built).mtimeMs >= sources) return;
	execFileSync('npx', ['vite', 'build', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' });
	fs.utimesSync(built, new Date(), new Date());
}
