#!/usr/bin/env node
// `npm test`: every test (unit, integration against real services, Chromium
// end-to-end). Starts the services the tests need (the RADOS Gateway unless
// FERRY_TEST_S3_ENDPOINT points at one; the Ferry and PartyKit servers are
// started by the vitest global setup) and fails, with a way to fix it, when
// something required is missing.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const problems = [];
if (!fs.existsSync(chromium)) {
	problems.push(`Chromium not found at ${chromium}: install it with "apt-get install -y chromium" or set CHROMIUM_PATH`);
}
let startedGateway = false;
if (!process.env.FERRY_TEST_S3_ENDPOINT) {
	const started = spawnSync('bash', [path.join(root, 'scripts/rgw.sh'), 'start'], {
		cwd: root,
		stdio: ['ignore', 'pipe', 'inherit'],
		encoding: 'utf8'
	});
	if (started.status !== 0) {
		problems.push(
			'Could not start the Ceph RADOS Gateway for the S3 tests (see above). Install it with "apt-get install -y --no-install-recommends ceph-mon ceph-osd ceph-mgr radosgw ceph-common", or point FERRY_TEST_S3_ENDPOINT, FERRY_TEST_S3_ACCESS_KEY and FERRY_TEST_S3_SECRET_KEY at an S3 server'
		);
	} else {
		startedGateway = true;
		for (const match of started.stdout.matchAll(/^export (\w+)=(.*)$/gm)) {
			process.env[match[1]] = match[2].replace(/^['"]|['"]$/g, '');
		}
	}
}
if (problems.length > 0) {
	console.error(`\nnpm test cannot run:\n  - ${problems.join('\n  - ')}\n`);
	if (startedGateway) execFileSync('bash', ['scripts/rgw.sh', 'stop'], { cwd: root, stdio: 'inherit' });
	process.exit(1);
}

const report = path.join(root, 'test-results/vitest.json');
fs.mkdirSync(path.dirname(report), { recursive: true });
const run = spawnSync(
	'npx',
	['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...process.argv.slice(2)],
	{ cwd: root, stdio: 'inherit' }
);
if (startedGateway) execFileSync('bash', ['scripts/rgw.sh', 'stop'], { cwd: root, stdio: 'inherit' });
try {
	const results = JSON.parse(fs.readFileSync(report, 'utf8'));
	const skipped = results.numPendingTests + results.numTodoTests;
	console.log(`\n${results.numPassedTests} passed, ${results.numFailedTests} failed${skipped ? `, ${skipped} skipped` : ''}`);
} catch {
	console.log('\n0 passed, 1 failed');
}
process.exit(run.status ?? 1);
