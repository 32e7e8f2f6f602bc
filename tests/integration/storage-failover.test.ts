import { randomBytes } from 'node:crypto';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { CreateBucketCommand, DeleteBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalDiskProvider } from '../../src/lib/server/storage/local-disk';
import { StorageRegistry } from '../../src/lib/server/storage/registry';
import { S3Provider } from '../../src/lib/server/storage/s3';

/**
 * Real failures, not a switch in a wrapper: a local provider whose folder is
 * replaced by a file (root can write anywhere, but not into a file), and an
 * S3 provider whose endpoint is a closed port that later starts forwarding
 * to the Ceph gateway.
 */

const picks = (registry: StorageRegistry, n = 50) => new Set(Array.from({ length: n }, () => registry.pickProviderForNewUpload().id));

describe('storage failover between two local providers', () => {
	const cleanups: (() => Promise<void>)[] = [];
	afterAll(async () => {
		for (const cleanup of cleanups) await cleanup();
	});

	it('sends new uploads to the healthy provider and returns to the repaired one', async () => {
		const base = await mkdtemp(path.join(os.tmpdir(), 'ferry-failover-'));
		cleanups.push(() => rm(base, { recursive: true, force: true }));
		const secret = randomBytes(32).toString('base64url');
		const a = new LocalDiskProvider({ id: 'a', root: path.join(base, 'a'), signingSecret: secret });
		const b = new LocalDiskProvider({ id: 'b', root: path.join(base, 'b'), signingSecret: secret });
		const registry = new StorageRegistry(
			[{ id: 'a', priority: 0, weight: 1, provider: a }, { id: 'b', priority: 1, weight: 1, provider: b }],
			{ backoffDelaysMs: [200, 200, 200, 200, 200] }
		);
		await registry.checkAll();
		expect(picks(registry)).toEqual(new Set(['a']));

		// Break a: its folder becomes a file.
		await rename(a.root, `${a.root}.away`);
		await writeFile(a.root, 'not a folder');
		expect(await a.createMultipartUpload({ key: 'k', contentType: 'x' }).catch((e: { code: string }) => e.code)).toBe('unavailable');
		await registry.reportFailure('a');
		expect(registry.listProviderHealth().find((h) => h.id === 'a')).toMatchObject({ healthy: false, lastError: expect.stringContaining(a.root) });
		expect(picks(registry)).toEqual(new Set(['b']));
		const { id, provider } = registry.pickProviderForNewUpload();
		expect(id).toBe('b');
		expect((await provider.createMultipartUpload({ key: 'k', contentType: 'x' })).uploadId).toMatch(/^[\w-]{24}$/);

		// An upload pinned to a waits it out, and a is repaired while it waits.
		let attempts = 0;
		const pinned = registry.withBackoff('a', async (p) => {
			attempts++;
			if (attempts === 2) {
				await rm(a.root);
				await rename(`${a.root}.away`, a.root);
			}
			return p.createMultipartUpload({ key: 'k', contentType: 'x' });
		});
		expect((await pinned).uploadId).toMatch(/^[\w-]{24}$/);
		expect(attempts).toBe(2); // failed once while broken, succeeded after the repair
		await registry.checkAll();
		expect(picks(registry)).toEqual(new Set(['a']));
	});
});

describe('storage failover from S3 to local disk', () => {
	it('skips an S3 provider on a closed port and picks it again once the port reaches the gateway', async () => {
		const env = process.env;
		if (!env.FERRY_TEST_S3_ENDPOINT || !env.FERRY_TEST_S3_ACCESS_KEY || !env.FERRY_TEST_S3_SECRET_KEY) {
			throw new Error('FERRY_TEST_S3_* not set: start the test gateway first with  eval "$(bash scripts/rgw.sh start)"');
		}
		const gateway = new URL(env.FERRY_TEST_S3_ENDPOINT);
		const credentials = { accessKeyId: env.FERRY_TEST_S3_ACCESS_KEY, secretAccessKey: env.FERRY_TEST_S3_SECRET_KEY };
		const region = env.FERRY_TEST_S3_REGION || 'us-east-1';
		const bucket = `ferry-failover-${Date.now().toString(36)}`;
		const admin = new S3Client({ endpoint: gateway.origin, region, forcePathStyle: true, credentials });
		await admin.send(new CreateBucketCommand({ Bucket: bucket }));

		// Reserve a port, then close it: connections are refused until the proxy listens there.
		const port = await freePort();
		const s3 = new S3Provider({ id: 's3', endpoint: `http://127.0.0.1:${port}`, region, bucket, forcePathStyle: true, ...credentials });
		const root = await mkdtemp(path.join(os.tmpdir(), 'ferry-failover-local-'));
		const local = new LocalDiskProvider({ id: 'local', root, signingSecret: randomBytes(32).toString('base64url') });
		const registry = new StorageRegistry([{ id: 's3', priority: 0, weight: 1, provider: s3 }, { id: 'local', priority: 1, weight: 1, provider: local }]);
		let proxy: net.Server | null = null;
		try {
			await registry.checkAll();
			expect(registry.listProviderHealth().find((h) => h.id === 's3')).toMatchObject({ healthy: false, lastError: expect.stringMatching(/ECONNREFUSED|connect/i) });
			expect(picks(registry)).toEqual(new Set(['local']));
			expect(await s3.createMultipartUpload({ key: 'k', contentType: 'x' }).catch((e: { code: string }) => e.code)).toBe('unavailable');

			proxy = await forward(port, Number(gateway.port), gateway.hostname);
			await registry.reportFailure('s3');
			expect(registry.listProviderHealth().find((h) => h.id === 's3')).toMatchObject({ healthy: true, lastError: null });
			expect(picks(registry)).toEqual(new Set(['s3']));
		} finally {
			proxy?.close();
			await admin.send(new DeleteBucketCommand({ Bucket: bucket })).catch(() => {});
			await rm(root, { recursive: true, force: true });
		}
	});
});

function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = net.createServer().listen(0, '127.0.0.1', () => {
			const { port } = server.address() as net.AddressInfo;
			server.close(() => resolve(port));
		});
		server.on('error', reject);
	});
}

function forward(port: number, targetPort: number, targetHost: string): Promise<net.Server> {
	return new Promise((resolve) => {
		const server = net.createServer((client) => {
			const upstream = net.connect(targetPort, targetHost);
			client.pipe(upstream).pipe(client);
			client.on('error', () => upstream.destroy());
			upstream.on('error', () => client.destroy());
		});
		server.listen(port, '127.0.0.1', () => resolve(server));
	});
}
